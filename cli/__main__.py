"""`python -m cli` runs the commonground command."""

from cli import main

main()
