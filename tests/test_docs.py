"""What the README and docs/ promise, and the production settings, stay true."""

import re
import subprocess
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from metrics.registry import METRICS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
DOCS = sorted((ROOT / "docs").glob("*.md"))
# The README and the pages it links to: what a newcomer reads.
DOCUMENTATION = [ROOT / "README.md", *DOCS]
# Drawn by `docs/screenshots.py`, so possibly not there yet in a fresh working tree.
SCREENSHOTS = ("docs/overview.png", "docs/slide.png")
# The README is a front door: the deep sections live in docs/.
README_MAX_LINES = 150


def _code_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_readme_starts_with_the_run_and_test_commands():
    first, second = _code_blocks()[:2]
    assert README.index(first) < README.index("## ")  # before any other section
    assert first.strip().endswith("streamlit run serve.py")
    assert "pytest" in second


def test_ci_runs_exactly_the_readme_test_command():
    test_command = _code_blocks()[1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_methods_metrics_table_matches_the_registry():
    methods = (ROOT / "docs" / "methods.md").read_text()
    for m in METRICS:
        row = f"| `{m.key}` | {m.label} | {m.unit} | {m.direction} | {m.description} |"
        assert row in methods, f"docs/methods.md metrics table out of date for {m.key}"


def test_every_cli_command_is_documented():
    text = "\n".join(path.read_text() for path in DOCUMENTATION)
    for name in main.commands:
        assert f"commonground {name}" in text, f"commonground {name} is in neither README.md nor docs/*.md"
        assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0


def _prose(markdown: str) -> str:
    """The text outside fenced code blocks and inline code, where links are links."""
    markdown = re.sub(r"^ *```.*?^ *```", "", markdown, flags=re.S | re.M)  # fences may be indented
    return re.sub(r"`[^`]+`", "", markdown)  # a code span may run over lines


def _links(markdown: str) -> list[str]:
    return re.findall(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", _prose(markdown))


def _anchors(markdown: str) -> set[str]:
    """GitHub's ids for the headings: lower case, punctuation dropped, spaces as hyphens,
    a repeated heading numbered from -1."""
    seen: Counter[str] = Counter()
    anchors = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", _prose(markdown), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
        seen[slug] += 1
    return anchors


def test_the_readme_is_a_front_door_to_every_docs_page():
    assert len(README.splitlines()) <= README_MAX_LINES, "move the deep sections to docs/*.md"
    linked = {(ROOT / link.split("#")[0]).resolve() for link in _links(README)}
    for page in DOCS:
        assert page.resolve() in linked, f"README.md does not link to {page.relative_to(ROOT)}"


def test_the_readme_shows_the_screenshots_and_how_to_refresh_them():
    for image in SCREENSHOTS:
        assert image in _links(README), image
    assert "`.venv/bin/python docs/screenshots.py`" in README


@pytest.mark.parametrize("document", DOCUMENTATION, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_and_heading_that_exist(document: Path):
    """Images included. The two screenshots are left out: `docs/screenshots.py` draws them."""
    text = document.read_text()
    for link in _links(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", link):  # https:, mailto: and the like
            continue
        path, _, anchor = link.partition("#")
        target = (document.parent / path).resolve() if path else document.resolve()
        where = f"{document.relative_to(ROOT)}: {link}"
        assert target.is_relative_to(ROOT), f"{where} leaves the repository"
        if target.relative_to(ROOT).as_posix() in SCREENSHOTS:
            continue
        assert target.exists(), f"{where}: no such file"
        if anchor and target.suffix == ".md":
            assert anchor in _anchors(target.read_text()), f"{where}: no such heading"


def test_production_settings():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["maxUploadSize"] <= 200
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["toolbarMode"] == "minimal"
    assert config["browser"]["gatherUsageStats"] is False


def test_no_raw_html_and_no_streamlit_below_the_ui_layer():
    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for path in tracked:
        text = (ROOT / path).read_text()
        assert "unsafe_allow_html" not in text or path == "tests/test_docs.py", path
        # (benchmarks/ and tests/ drive the app from outside, through AppTest)
        if path.split("/")[0] in ("metrics", "db", "charts", "board", "cli"):
            assert "import streamlit" not in text, f"{path} must not import Streamlit"


def test_secrets_are_ignored_and_only_an_example_is_committed():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".streamlit/secrets.toml" in ignored
    assert "/data/" in ignored
    assert (ROOT / ".streamlit" / "secrets.toml.example").exists()


def test_code_is_lint_clean():
    """ruff with the project's rules, including S608 (no SQL built from strings)."""
    result = subprocess.run(
        ["ruff", "check", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": str(ROOT / ".venv" / "bin") + ":/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _mapping_reference_in_the_code() -> list[str]:
    """The commented example of every key in db/importing/mapping.py's docstring."""
    import db.importing.mapping as mapping_module

    lines = mapping_module.__doc__.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    kind = "))
    end = next(i for i, line in enumerate(lines) if i > start and line and not line.startswith(" "))
    block = [line[4:] for line in lines[start:end]]
    while not block[-1].strip():
        block.pop()
    return block


def test_the_mapping_reference_in_the_docs_is_the_code_s_and_names_every_key():
    from db.importing.mapping import KNOWN_KEYS

    docs = (ROOT / "docs" / "importing.md").read_text()
    reference = re.search(r"## Mapping reference\n.*?```toml\n(.*?)```", docs, flags=re.S)
    assert reference, "docs/importing.md has no mapping reference"
    assert reference.group(1).rstrip("\n").splitlines() == _mapping_reference_in_the_code()
    written = set(re.findall(r"^\[?(\w+)[\].]?\S* ?=?", reference.group(1), flags=re.M))
    assert set(KNOWN_KEYS) <= written, (
        f"keys the code knows but the reference lacks: {set(KNOWN_KEYS) - written}"
    )


def test_the_readme_mapping_is_one_the_code_accepts():
    from db.importing.mapping import parse_mapping

    blocks = re.findall(r"```toml\n(.*?)```", README, flags=re.S)
    assert blocks, "the README shows no mapping"
    for block in blocks:
        parse_mapping(tomllib.loads(block), "README.md")  # refused keys raise ImportRefused
