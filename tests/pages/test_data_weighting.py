"""The Data page tells leadership how the survey answers were weighted to the census: areas
raked, areas where raking failed (with why), areas without margins, the median design effect."""

from __future__ import annotations

from db.engine import make_engine
from db.importing.mapping import parse_mapping
from db.importing.run import import_file
from db.migrate import upgrade
from db.models import Area
from tests.db.conftest import write
from tests.db.test_weighting import MARGINS_HEADER, SURVEY, SURVEY_HEADER
from tests.pages.test_pages import run_app


def _tables(at) -> list:
    return [element.value for element in at.dataframe]


def test_the_demo_s_weighting_status_shows_every_neighbourhood_raked(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/data.py")
    assert "Survey weights" in [h.value for h in at.header]
    status = next(t for t in _tables(at) if "Areas raked" in t.columns)
    assert status.iloc[0]["Areas raked"] == 40
    assert status.iloc[0]["Not converged (design weights kept)"] == 0
    assert status.iloc[0]["No population margins"] == 0
    median = status.iloc[0]["Median design effect"]
    assert 1.0 < float(median) < 1.5
    trimmed = status.iloc[0]["Weights trimmed"]
    said = " ".join(c.value for c in at.caption)
    assert f"The median design effect, {median}, means" in said
    assert "1.3" not in said
    assert (f"{trimmed:,} weight" in said) if trimmed else ("No weight needed trimming" in said)
    assert not [w for w in at.warning if "did not converge" in w.value]


def test_an_area_whose_raking_failed_is_named_with_the_reason(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'failed.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            Area.__table__.insert(),
            [
                {"code": "S", "name": "Southgate", "kind": "neighbourhood", "population": 1000},
                {"code": "N", "name": "Northfield", "kind": "neighbourhood", "population": 1000},
            ],
        )
    survey = SURVEY_HEADER + (
        "R1,2024-01-10,Southgate,16-24,female,White,1\n"
        "R2,2024-01-11,Southgate,16-24,female,White,2\n"
        "R3,2024-01-12,Southgate,65+,male,White,5\n"
        "R4,2024-01-12,Northfield,65+,male,White,5\n"
    )
    margins = MARGINS_HEADER + (
        "Southgate,age_band,16-24,500\nSouthgate,age_band,65+,500\n"
        "Southgate,sex,female,667\nSouthgate,sex,male,333\n"
    )
    for name, text, mapping in (
        ("survey.csv", survey, SURVEY),
        ("margins.csv", margins, {"kind": "population_margins"}),
    ):
        assert import_file(engine, write(tmp_path / name, text), parse_mapping(mapping)).accepted
    engine.dispose()
    at = run_app(url, monkeypatch, "pages/data.py")
    status = next(t for t in _tables(at) if "Areas raked" in t.columns)
    assert status.iloc[0].tolist() == [0, 1, 1, "-", 0]
    assert [w.value for w in at.warning if "did not converge" in w.value]
    failed = next(t for t in _tables(at) if "Why" in t.columns)
    assert failed["Area"].tolist() == ["Southgate"]
    assert "raking did not converge" in failed["Why"].iloc[0]
