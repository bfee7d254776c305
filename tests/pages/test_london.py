"""Issue 4's finish line: a new user with the London files follows the London commands of
docs/importing.md, linked from the README (run here exactly as written there), and gets a
dashboard showing London's boroughs, its Safer Neighbourhood Boards, trust and crime."""

from __future__ import annotations

import re
import shlex

import pytest
from click.testing import CliRunner

from cli import main
from tests.conftest import ROOT, words
from tests.db.conftest import SHARED, need_shared
from tests.pages.test_pages import figures, run_app, table_with


def documented_london_commands() -> list[list[str]]:
    """The `commonground import` lines of the London walk-through in docs/importing.md, as arguments."""
    importing = (ROOT / "docs" / "importing.md").read_text()
    section = importing[importing.index("**London, from a fresh clone") :]
    block = section[section.index("```bash") : section.index("```", section.index("```bash") + 7)]
    commands = []
    for line in block.splitlines():
        if line.startswith(".venv/bin/commonground import"):
            words = shlex.split(line.replace("$D", str(SHARED)))
            commands.append(words[1:])
    return commands


@pytest.fixture(scope="module")
def london_url(tmp_path_factory) -> str:
    need_shared()
    url = f"sqlite:///{tmp_path_factory.mktemp('london') / 'london.sqlite'}"
    commands = documented_london_commands()
    assert len(commands) == 5
    for args in commands:
        result = CliRunner().invoke(main, args, env={"DATABASE_URL": url})
        assert result.exit_code == 0, f"{' '.join(args)}\n{result.output}"
        assert re.match(r"imported \S+ \(\w+\): [\d,]+ rows read", result.output), result.output
    return url


def test_london_overview_lists_the_boards_with_published_trust_and_crime(london_url, monkeypatch):
    at = run_app(london_url, monkeypatch)
    table = table_with(at, "Trust (0-100)")
    assert len(table) == 32
    assert table["Partnership"].str.endswith("Safer Neighbourhood Board").all()
    assert table["Trust (0-100)"].str.contains(r"% agree, published \(\d{4} Q\d, n not reported\)").all()
    assert table["Crime, last 12 months vs previous 12"].str.match(r"[\d,]+ vs [\d,]+").all()
    assert "Published figures are in the table below." in words(" ".join(m.value for m in at.info))
    scorecard = table_with(at, "Began")
    cells = scorecard.drop(columns=["Partnership", "Began"]).to_numpy().ravel()
    # every board began in April 2014: no comparison area, so no estimate is passed off as one
    assert set(cells) == {"Not enough data"}


def test_london_partnership_page_shows_the_borough_trust_and_crime(london_url, monkeypatch):
    at = run_app(london_url, monkeypatch, "pages/partnership.py")
    at.sidebar.selectbox(key="filter_partnership").set_value("LDN-SNB-23").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Lewisham Safer Neighbourhood Board"
    titles = list(figures(at))
    assert any("Trust" in t for t in titles), titles
    assert any("crime" in t.lower() for t in titles), titles
    areas = table_with(at, "Area")
    assert list(areas["Area"]) == ["Lewisham"]
