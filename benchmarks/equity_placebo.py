"""Placebo runs for equity gaps: how often does the gap's difference in differences call a
change where none was made?

    .venv/bin/python -m benchmarks.equity_placebo [--datasets demo,chicago] [--inferences drift,poisson]

- demo: the demo city (seed 42) with sets of three areas in no partnership given fake
  start dates (one area rarely has 30 answers from each group in a year), comparison
  areas proposed as for a partnership, on trust, Black against White residents (answers
  with n: the drift term counts how gaps of areas without a partnership move apart).
- chicago: Chicago's published sentiment scores by race (African American against White,
  trust and safety), districts without the Neighborhood Policing Initiative (its districts
  are imported as partnerships, so they are neither placebos nor comparisons) with fake
  start dates; the published values carry no n, so the interval comes from how the gap
  changes among districts without a partnership.

Nothing happened at these places and dates, so every Improved or Worsened verdict is a false
alarm; at the 95% level about 5% should be. Results go to
`benchmarks/results/equity_placebo.md` (the analysis below the mark is kept).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select

from benchmarks.placebo import (
    ANALYSIS_MARK,
    CACHE,
    SHARED,
    Dataset,
    Tally,
    _line,
    _num,
    _pct,
    database,
    fake_starts,
)
from db.engine import make_engine
from db.migrate import upgrade
from db.models import Area, PartnershipArea
from metrics.equity import EquityCache, GapSpec, evaluate_gap
from metrics.evaluation import Design, Places, Prefetched, all_places, survey_coverage

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "equity_placebo.md"
SEED = 20261130
DEMO_SEED = 42
DEMO_PLACEBOS = 600
DEMO_AREAS = 3  # areas per placebo: one area rarely has 30 answers from each group in a year
CHICAGO = Dataset(
    "chicago-equity",
    "Chicago districts without the Neighborhood Policing Initiative (sentiment by race, 2017-2023)",
    (
        ("chicago/chicago_aggravated_assaults_2010_2019.csv.gz", "chicago-districts"),
        ("chicago/police_sentiment_scores_201711_202302.csv", "chicago-sentiment"),
        ("partnerships/chicago_cpd_neighborhood_policing_initiative.csv", "chicago-partnerships"),
    ),
    ("trust", "safety"),
    starts_per_area=12,
)
CHICAGO_GAP = GapSpec("race_ethnicity", "African American", "White")
DEMO_GAP = GapSpec("race_ethnicity", "Black", "White")


def demo_database(folder: Path = CACHE) -> Engine:
    """The demo city in its own SQLite file, built once (rebuilt when the schema changes)."""
    migrations = sorted(p.name for p in (ROOT / "db" / "migrations" / "versions").glob("0*.py"))
    target = folder / f"equity-demo-{DEMO_SEED}-{migrations[-1][:4]}.sqlite"
    if not target.exists():
        from db.demo import load_demo

        folder.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{partial}")
        upgrade(engine)
        load_demo(engine, DEMO_SEED)
        engine.dispose()
        partial.rename(target)
    return make_engine(f"sqlite:///{target}")


def _free_areas(engine: Engine) -> tuple[list[int], dict[int, str], dict[int, str], frozenset[int]]:
    """Areas in no partnership (neither catchment nor comparison), every area's name and
    kind, and every catchment area."""
    with engine.connect() as conn:
        areas = conn.execute(select(Area.id, Area.name, Area.kind).order_by(Area.id)).all()
        roles = conn.execute(select(PartnershipArea.area_id, PartnershipArea.role)).all()
    used = {a for a, _ in roles}
    catchment = frozenset(a for a, role in roles if role == "catchment")
    return (
        [a.id for a in areas if a.id not in used],
        {a.id: a.name for a in areas},
        {a.id: a.kind for a in areas},
        catchment,
    )


def demo_placebos(
    engine: Engine, design: Design, count: int = DEMO_PLACEBOS, seed: int = SEED
) -> list[Places]:
    """`count` sets of `DEMO_AREAS` areas in no partnership with fake starts (a fixed seed)."""
    free, names, kinds, catchment = _free_areas(engine)
    with engine.connect() as conn:
        coverage = survey_coverage(conn)
        neighbours = next(iter(all_places(conn).values())).neighbours
    starts = fake_starts(coverage[0], coverage[1], design)
    rng = random.Random(f"{seed}:demo-equity")
    out = []
    for _ in range(count):
        pair = tuple(sorted(rng.sample(free, DEMO_AREAS)))
        out.append(
            Places(
                "PLACEBO",
                "placebo " + " and ".join(names[a] for a in pair),
                rng.choice(starts),
                pair,
                (),
                catchment | frozenset(pair),
                neighbours,
                names,
                kinds,
            )
        )
    return out


def chicago_placebos(engine: Engine, dataset: Dataset, seed: int = SEED) -> list[Places]:
    """Districts without the initiative, `starts_per_area` fake starts each (a fixed seed)."""
    free, names, kinds, catchment = _free_areas(engine)
    with engine.connect() as conn:
        coverage = survey_coverage(conn)
    starts = fake_starts(coverage[0], coverage[1], dataset.design)
    rng = random.Random(f"{seed}:{dataset.key}")
    out = []
    for area in free:
        for start in sorted(rng.sample(starts, min(dataset.starts_per_area, len(starts)))):
            out.append(
                Places(
                    "PLACEBO",
                    f"placebo {names[area]}",
                    start,
                    (area,),
                    (),
                    catchment | {area},
                    {},
                    names,
                    kinds,
                )
            )
    return out


def run(
    key: str,
    engine: Engine,
    cases: list[Places],
    spec: GapSpec,
    constructs,
    inferences,
    title: str,
    design: Design,
) -> list[dict]:
    rows = []
    with engine.connect() as conn:
        coverage = survey_coverage(conn)
        cache = EquityCache()
        for construct in constructs:
            for inference in inferences:
                d = replace(design, inference=inference)
                tally, shared, started = Tally(), Prefetched(), time.perf_counter()
                for places in cases:
                    tally.add(evaluate_gap(conn, places, spec, construct, d, coverage, shared, cache))
                rows.append(
                    {
                        "dataset": key,
                        "title": title,
                        "outcome": f"{construct} gap",
                        "inference": inference,
                        "design": f"{d.before_months}+{d.after_months} months",
                        "seconds": time.perf_counter() - started,
                        **tally.row(),
                    }
                )
                print(_line(rows[-1]), file=sys.stderr, flush=True)
    return rows


def write(rows: list[dict], seconds: float, path: Path = RESULTS) -> str:
    kept = ""
    if path.exists() and ANALYSIS_MARK in path.read_text():
        kept = path.read_text().split(ANALYSIS_MARK, 1)[1]
    lines = [
        "# Placebo runs for equity gaps",
        "",
        f"`python -m benchmarks.equity_placebo`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, seed {SEED}, "
        f"{seconds:.0f} s in all. Nothing happened at these places and dates, so every Improved or "
        "Worsened verdict on the gap is a false alarm: about 5% should be called. `drift` is the "
        "inference the dashboard uses; `poisson` (sampling noise alone) is shown for comparison. "
        "Placebos without an estimate had too few answers in a group (fewer than 30 per group, "
        "window and side) and are Not enough data.",
        "",
        "| data set | gap | design | inference | placebos | with an estimate | called Improved/Worsened "
        "| intervals covering no change | RMS z | spread of estimates / median SE |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['title']} | {r['outcome']} | {r['design']} | {r['inference']} | {r['placebos']} "
            f"| {r['estimated']} | {_pct(r['called'])} ({r['called_n']}) | {_pct(r['covered'])} "
            f"| {_num(r['rms_z'])} | {_num(r['spread_over_se'])} |"
        )
    text = "\n".join(lines) + "\n\n" + ANALYSIS_MARK + (kept or "\n")
    path.write_text(text)
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="demo,chicago")
    parser.add_argument("--inferences", default="drift,poisson")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    wanted, inferences = args.datasets.split(","), tuple(args.inferences.split(","))
    started, rows = time.perf_counter(), []
    if "demo" in wanted:
        engine = demo_database()
        design = Design()
        cases = demo_placebos(engine, design)
        title = f"Demo city (seed {DEMO_SEED}), three areas in no partnership at a time, Black vs White"
        rows += run("demo", engine, cases, DEMO_GAP, ("trust",), inferences, title, design)
        engine.dispose()
    if "chicago" in wanted:
        if not SHARED.exists():
            raise SystemExit(f"the shared real data is not at {SHARED}")
        engine = database(CHICAGO)
        cases = chicago_placebos(engine, CHICAGO)
        title = CHICAGO.title + ", African American vs White"
        rows += run(
            "chicago", engine, cases, CHICAGO_GAP, CHICAGO.outcomes, inferences, title, CHICAGO.design
        )
        engine.dispose()
    print(write(rows, time.perf_counter() - started, args.out))


if __name__ == "__main__":
    main()
