"""What the README promises and the production settings stay true."""

import re
import subprocess
import tomllib

from click.testing import CliRunner

from cli import main
from metrics.registry import METRICS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def _code_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_readme_starts_with_the_run_and_test_commands():
    first, second = _code_blocks()[:2]
    assert README.index(first) < README.index("## ")  # before any other section
    assert first.strip().endswith("streamlit run app.py")
    assert "pytest" in second


def test_ci_runs_exactly_the_readme_test_command():
    test_command = _code_blocks()[1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_readme_metrics_table_matches_the_registry():
    for m in METRICS:
        row = f"| `{m.key}` | {m.label} | {m.unit} | {m.direction} | {m.description} |"
        assert row in README, f"README metrics table out of date for {m.key}"


def test_every_cli_command_is_documented():
    for name in main.commands:
        assert f"commonground {name}" in README, name
        assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0


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
