"""Raking benchmark: how long representative weights take (db.weighting, metrics.weighting).

    .venv/bin/python -m benchmarks.weighting_bench [--postgres URL] [--respondents 200000]

1. The demo city (seed 42) is loaded into a new SQLite file (and, with --postgres, a new
   database on that server, dropped afterwards); then every weight is cleared and
   `rake_areas` times raking every area again, first alone and then with the survey
   roll-ups refreshed for the months it changed (what `commonground weights` does when every
   weight changes, and what the demo's load adds to its own refresh).
2. `metrics.weighting.rake` on `--respondents` made-up respondents (age x sex, 18 groups,
   each answering at its own rate, and race/ethnicity, 5 groups, drawn unlike the census, so
   the weights must work): in one area, and spread over 300 areas (the city-scale demo's
   beats) one area at a time.

Results go to `benchmarks/results/weighting.md`.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, delete, text, update
from sqlalchemy.engine import make_url

from db.demo import load_demo
from db.engine import make_engine
from db.migrate import upgrade
from db.models import SurveyResponse, WeightingRun
from db.weighting import rake_areas
from metrics.weighting import rake

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "weighting.md"
SEED = 42
AGES = ("16-24", "25-34", "35-44", "45-54", "55-64", "65+")
SEXES = ("female", "male", "another")
RACES = ("White", "Black", "Hispanic or Latino", "Asian", "Other or mixed")


def _timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    out = work()
    return time.perf_counter() - started, out


def demo_times(url: str) -> dict[str, float]:
    """Seconds to load the demo, to rake every area of it from scratch, and to rake again
    with the roll-ups refreshed."""
    engine = make_engine(url)
    upgrade(engine)
    load_seconds, _written = _timed(lambda: load_demo(engine, SEED))
    out = {"load_demo (raking included)": load_seconds}
    for label, refresh in (("rake every area", False), ("rake every area, roll-ups refreshed", True)):
        with engine.begin() as conn:
            conn.execute(update(SurveyResponse).values(rake_weight=None))
            conn.execute(delete(WeightingRun))
        with engine.begin() as conn:
            out[label], done = _timed(lambda conn=conn, refresh=refresh: rake_areas(conn, refresh=refresh))
    out["areas"] = len(done)
    out["respondents"] = sum(a.respondents for a in done)
    engine.dispose()
    return out


def _made_up(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """`n` respondents whose groups answer at different rates (as in an opt-in sample), and
    the census margins they are raked to."""
    age_sex = [f"{a}|{s}" for a in AGES for s in SEXES]
    population = rng.dirichlet(np.ones(len(age_sex)) * 5)
    # each group answers at its own rate, up to about twice or half the average (an opt-in sample)
    sample_p = population * rng.lognormal(0.0, 0.4, size=len(age_sex))
    race_census = np.array([0.4, 0.3, 0.15, 0.1, 0.05])
    frame = pd.DataFrame(
        {
            "age_sex": rng.choice(age_sex, size=n, p=sample_p / sample_p.sum()),
            "race_ethnicity": rng.choice(RACES, size=n, p=[0.55, 0.2, 0.12, 0.08, 0.05]),
            "weight": 1.0,
        }
    )
    census = {
        "age_sex": dict(zip(age_sex, population * 1_000_000, strict=True)),
        "race_ethnicity": dict(zip(RACES, race_census * 1_000_000, strict=True)),
    }
    return frame, census


def synthetic_times(respondents: int, areas: int = 300) -> dict[str, float]:
    rng = np.random.default_rng(SEED)
    frame, census = _made_up(respondents, rng)
    one, result = _timed(lambda: rake(frame, census))
    assert result.converged, result.note
    per_area = np.array_split(np.arange(respondents), areas)
    seconds, _ = _timed(lambda: [rake(frame.iloc[rows], census) for rows in per_area])
    return {
        f"{respondents:,} respondents, one area": one,
        f"{respondents:,} respondents over {areas} areas": seconds,
        "one area: design effect": result.design_effect,
        "one area: weights trimmed": result.trimmed,
    }


def _postgres(admin_url: str) -> tuple[str, str]:
    name = f"cg_weighting_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # noqa: S608 - generated name
    admin.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))  # noqa: S608
    admin.dispose()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="A PostgreSQL server URL whose user may create databases.")
    parser.add_argument("--respondents", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    load = os.getloadavg()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = demo_times(f"sqlite:///{Path(folder) / 'demo.sqlite'}")
    if args.postgres:
        name, url = _postgres(args.postgres)
        try:
            results["postgresql"] = demo_times(url)
        finally:
            _drop(args.postgres, name)
    synthetic = synthetic_times(args.respondents)
    _write(args.out, results, synthetic, argv, load)
    return {"demo": results, "synthetic": synthetic}


def _write(out: Path, demo: dict, synthetic: dict, argv: list[str] | None, load: tuple) -> None:
    given = sys.argv[1:] if argv is None else argv
    shown = ["URL" if a.startswith("postgresql") else a for a in given]
    command = " ".join(["python -m benchmarks.weighting_bench", *shown])
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Raking benchmark",
        "",
        f"Run {when} on {platform.machine()}, {platform.processor() or 'CPU'}, Python "
        f"{platform.python_version()}: `{command}`. The machine's 2 cores are shared with other work: its "
        f"load average (1, 5, 15 minutes) was {', '.join(f'{x:.2f}' for x in load)} when the run began.",
        "",
        "The demo city (seed 42): every weight cleared, then every area raked again to its census "
        "margins (age x sex, race/ethnicity) by `db.weighting.rake_areas`, in one transaction.",
        "",
        "| database | areas | respondents | load_demo (raking included) | rake every area | "
        "rake every area, roll-ups refreshed |",
        "|---|---|---|---|---|---|",
    ]
    for database, t in demo.items():
        load = t["load_demo (raking included)"]
        lines.append(
            f"| {database} | {t['areas']:.0f} | {t['respondents']:,.0f} | {load:.1f} s "
            f"| {t['rake every area']:.1f} s | {t['rake every area, roll-ups refreshed']:.1f} s |"
        )
    lines += [
        "",
        "`metrics.weighting.rake` (balance's rake, then trimming to 0.2-5 x the mean) on made-up "
        "respondents, 18 age x sex groups and 5 race/ethnicity groups:",
        "",
        "| what | value |",
        "|---|---|",
    ]
    for label, value in synthetic.items():
        if label.endswith(("area", "areas")):
            text = f"{value:.2f} s"
        else:
            text = f"{value:,.0f}" if label.endswith("trimmed") else f"{value:.2f}"
        lines.append(f"| {label} | {text} |")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
