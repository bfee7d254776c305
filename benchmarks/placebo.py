"""Placebo runs on real data: how often does the evaluation call a change where none was made?

    .venv/bin/python -m benchmarks.placebo [--datasets london,chicago,...] [--quick]

Each shared real data set (`../shared/data`) is imported with its presets into an
SQLite file of its own (kept in `benchmarks/.cache/`, rebuilt when missing). Nothing
was introduced in these places at the dates drawn here, so every Improved or Worsened
verdict below is a false alarm. A placebo is one area with a fake start date (a fixed
seed, with full windows inside the data), evaluated by the project's own
`metrics.evaluation` code: one placebo at a time, so that every other area stays
available for comparison, exactly as for a partnership whose comparison areas are
proposed. Each data set runs under the default design (12 months each side) or, where
the data covers a single year, 6 months each side.

Per data set x outcome x inference it reports: placebos, how many got an estimate,
the share called Improved or Worsened (nominal 5%), the share of 95% intervals that
cover no change (nominal 95%), the root mean square of estimate / SE (nominal 1) and
the spread of the placebo estimates against the median reported SE. Results go to
`benchmarks/results/placebo.md`; the hand-written analysis below the table is kept.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, select

from db.engine import make_engine
from db.importing.mapping import load_preset
from db.importing.run import import_file
from db.migrate import upgrade
from db.models import Area, AreaNeighbour
from metrics.evaluation import (
    CRIME_OUTCOMES,
    Design,
    Places,
    Prefetched,
    add_months,
    evaluate_crime,
    evaluate_survey,
    months_between,
)
from metrics.verdict import IMPROVED, WORSENED

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
CACHE = ROOT / "benchmarks" / ".cache"
RESULTS = ROOT / "benchmarks" / "results" / "placebo.md"
ANALYSIS_MARK = "<!-- analysis: kept when the numbers are rewritten -->"
SEED = 20261130
TARGET = (0.02, 0.08)  # share called Improved/Worsened, for 200 placebos or more
MIN_FOR_TARGET = 200
YEAR_DESIGN = Design(before_months=6, after_months=6, its_pre_months=6)
ELEVEN_MONTHS_DESIGN = Design(before_months=5, after_months=5, its_pre_months=5)


@dataclass(frozen=True)
class Dataset:
    key: str
    title: str
    imports: tuple[tuple[str, str], ...]  # (file under ../shared/data, preset)
    outcomes: tuple[str, ...]
    design: Design = Design()
    starts_per_area: int = 8
    max_areas: int | None = None  # placebo areas drawn (every area stays in the pool)


DATASETS = (
    Dataset(
        "london",
        "London boroughs (MPS recorded crime 2010-2024, PAS 2014-2023)",
        (
            ("london/london_boroughs.geojson", "london-boroughs"),
            ("london/mps_borough_crime_monthly_201004_202201_wide.csv", "london-crime-wide"),
            ("london/mps_borough_crime_monthly_202202_202401_wide.csv", "london-crime-wide"),
            ("london/pas_borough_quarterly_2014q4_2023q4_commadecimal.csv", "london-survey"),
        ),
        ("violent", "property", "other", "trust", "satisfaction"),
        starts_per_area=8,
    ),
    Dataset(
        "chicago",
        "Chicago districts (aggravated assault 2010-2019, sentiment 2017-2023)",
        (
            ("chicago/chicago_aggravated_assaults_2010_2019.csv.gz", "chicago-districts"),
            ("chicago/police_district_boundaries_dec2012_wkt.csv", "chicago-district-boundaries"),
            ("chicago/chicago_aggravated_assaults_2010_2019.csv.gz", "chicago-assaults"),
            ("chicago/police_sentiment_scores_201711_202302.csv", "chicago-sentiment"),
        ),
        ("violent", "trust", "safety"),
        starts_per_area=10,
    ),
    Dataset(
        "nyc",
        "New York precincts (shootings 2006-2020)",
        (
            ("nyc/nypd_shooting_incidents_2006_2020_excel_resaved.csv", "nyc-precincts"),
            ("nyc/nypd_shooting_incidents_2006_2020_excel_resaved.csv", "nyc-shootings"),
        ),
        ("violent",),
        starts_per_area=4,
    ),
    Dataset(
        "vancouver",
        "Vancouver neighbourhoods (thefts 2020)",
        (
            ("vancouver/vancouver_thefts.csv.gz", "vancouver-neighbourhoods"),
            ("vancouver/vancouver_thefts.csv.gz", "vancouver-thefts"),
        ),
        ("property",),
        design=YEAR_DESIGN,
        starts_per_area=1,
    ),
    Dataset(
        "lancashire",
        "Lancashire LSOAs (police.uk anti-social behaviour 2022)",
        (("uk_asb/lancashire_asb.tab", "uk-asb-lsoas"), ("uk_asb/lancashire_asb.tab", "uk-asb")),
        ("asb",),
        design=YEAR_DESIGN,
        starts_per_area=1,
        max_areas=300,
    ),
    Dataset(
        "northumbria",
        "Northumbria LSOAs (police.uk anti-social behaviour, January-November 2022)",
        (("uk_asb/northumbria_asb.tab", "uk-asb-lsoas"), ("uk_asb/northumbria_asb.tab", "uk-asb")),
        ("asb",),
        design=ELEVEN_MONTHS_DESIGN,  # January to November 2022
        starts_per_area=1,
        max_areas=300,
    ),
)
INFERENCES = ("poisson", "drift")


def database(dataset: Dataset, folder: Path = CACHE) -> Engine:
    """The data set imported with its presets into its own SQLite file, made once (the
    file name carries a fingerprint of the inputs and the schema, so a change rebuilds)."""
    inputs = [SHARED / path for path, _ in dataset.imports]
    fingerprint = hashlib.sha256()
    for path, preset in dataset.imports:
        fingerprint.update(f"{path}:{preset}:{(SHARED / path).stat().st_size}".encode())
    for migration in sorted((ROOT / "db" / "migrations" / "versions").glob("0*.py")):
        fingerprint.update(migration.name.encode())
    target = folder / f"placebo-{dataset.key}-{fingerprint.hexdigest()[:10]}.sqlite"
    if target.exists():
        return make_engine(f"sqlite:///{target}")
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{partial}")
    upgrade(engine)
    for path, (_, preset) in zip(inputs, dataset.imports, strict=True):
        report = import_file(engine, path, load_preset(preset))
        if not report.accepted:
            raise RuntimeError(f"{path.name} with preset {preset} was refused:\n{report.render()}")
    engine.dispose()
    partial.rename(target)
    return make_engine(f"sqlite:///{target}")


def fake_starts(first: date, last: date, design: Design) -> list[date]:
    """Every start month whose before and after windows lie inside [first, last] (the time
    series looks back further only where the data allows)."""
    earliest = add_months(first, design.before_months)
    latest = add_months(last, -(design.exclude_months + design.after_months - 1))
    return [add_months(earliest, i) for i in range(months_between(earliest, latest) + 1)]


def placebos(
    engine: Engine, dataset: Dataset, outcome: str, seed: int = SEED, max_areas: int | None = None
) -> list[Places]:
    """Areas with fake start dates, drawn with a fixed seed: `starts_per_area` distinct
    starts for each of (at most `max_areas`) areas. No area is in a partnership."""
    from metrics.crime import data_months
    from metrics.evaluation import survey_coverage

    with engine.connect() as conn:
        coverage = data_months(conn) if outcome in CRIME_OUTCOMES else survey_coverage(conn)
        areas = conn.execute(select(Area.id, Area.name, Area.kind).order_by(Area.id)).all()
        # neighbours as the dashboard reads them (from shared borders, where the data set's
        # boundaries are imported): a bordering area is never proposed as comparison
        pairs = conn.execute(select(AreaNeighbour.area_id, AreaNeighbour.neighbour_id)).all()
    neighbours: dict[int, set[int]] = {}
    for a, b in pairs:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    if coverage is None:
        return []
    rng = random.Random(f"{seed}:{dataset.key}:{outcome}")
    chosen = list(areas)
    limit = max_areas or dataset.max_areas
    if limit is not None and len(chosen) > limit:
        chosen = sorted(rng.sample(chosen, limit))
    starts = fake_starts(*coverage, dataset.design)
    names = {a.id: a.name for a in areas}
    kinds = {a.id: a.kind for a in areas}
    out = []
    for area in chosen:
        for start in sorted(rng.sample(starts, min(dataset.starts_per_area, len(starts)))):
            out.append(
                Places(
                    code="PLACEBO",
                    name=f"placebo {area.name}",
                    start=start,
                    treated=(area.id,),
                    registered_comparison=(),
                    all_catchment=frozenset({area.id}),
                    neighbours={k: frozenset(v) for k, v in neighbours.items()},
                    names=names,
                    kinds=kinds,
                )
            )
    return out


@dataclass
class Tally:
    placebos: int = 0
    estimated: int = 0
    called: int = 0
    covered: int = 0
    z2: float = 0.0
    estimates: list[float] = field(default_factory=list)
    ses: list[float] = field(default_factory=list)

    def add(self, result: dict) -> None:
        self.placebos += 1
        effect = result.get("effect")
        if not effect or not math.isfinite(effect["se"]) or effect["se"] <= 0:
            return
        self.estimated += 1
        self.called += result["verdict"] in (IMPROVED, WORSENED)
        low, high = effect["ci"]
        self.covered += low <= 0 <= high
        est = math.log1p(effect["estimate"]) if effect["scale"] == "relative" else effect["estimate"]
        self.z2 += (est / effect["se"]) ** 2
        self.estimates.append(est)
        self.ses.append(effect["se"])

    def row(self) -> dict:
        n = self.estimated
        spread = statistics.pstdev(self.estimates) if n > 1 else math.nan
        return {
            "placebos": self.placebos,
            "estimated": n,
            "called": self.called / n if n else math.nan,
            "called_n": self.called,
            "covered": self.covered / n if n else math.nan,
            "rms_z": math.sqrt(self.z2 / n) if n else math.nan,
            "spread_over_se": spread / statistics.median(self.ses) if n > 1 else math.nan,
        }


def run_dataset(
    dataset: Dataset,
    inferences: tuple[str, ...] = INFERENCES,
    max_areas: int | None = None,
    folder: Path = CACHE,
) -> list[dict]:
    """Every placebo of `dataset`, evaluated under each inference. One row per outcome x
    inference (see `Tally.row`)."""
    engine = database(dataset, folder)
    rows = []
    try:
        for outcome in dataset.outcomes:
            cases = placebos(engine, dataset, outcome, max_areas=max_areas)
            for inference in inferences:
                design = replace(dataset.design, inference=inference)
                tally = Tally()
                started = time.perf_counter()
                with engine.connect() as conn:
                    shared = Prefetched()
                    for places in cases:
                        if outcome in CRIME_OUTCOMES:
                            span = shared.span(conn, "crime")
                            result = evaluate_crime(conn, places, outcome, design, span, shared)
                        else:
                            span = shared.span(conn, "survey")
                            result = evaluate_survey(conn, places, outcome, design, span, None, shared)
                        tally.add(result)
                rows.append(
                    {
                        "dataset": dataset.key,
                        "title": dataset.title,
                        "outcome": outcome,
                        "inference": inference,
                        "design": f"{design.before_months}+{design.after_months} months",
                        "seconds": time.perf_counter() - started,
                        **tally.row(),
                    }
                )
                print(_line(rows[-1]), file=sys.stderr, flush=True)
    finally:
        engine.dispose()
    return rows


def _pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x * 100:.1f}%"


def _num(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:.2f}"


def _line(r: dict) -> str:
    return (
        f"{r['dataset']:12} {r['outcome']:13} {r['inference']:8} placebos {r['placebos']:4} "
        f"estimated {r['estimated']:4} called {_pct(r['called']):>6} covered {_pct(r['covered']):>6} "
        f"rms z {_num(r['rms_z'])} spread/SE {_num(r['spread_over_se'])} ({r['seconds']:.0f} s)"
    )


def verdict_on_target(r: dict) -> str:
    if r["estimated"] < MIN_FOR_TARGET:
        return f"(fewer than {MIN_FOR_TARGET})"
    return "met" if TARGET[0] <= r["called"] <= TARGET[1] else "**missed**"


def write(rows: list[dict], seconds: float, path: Path = RESULTS) -> str:
    """The results table (markdown), keeping any analysis written below the mark."""
    kept = ""
    if path.exists() and ANALYSIS_MARK in path.read_text():
        kept = path.read_text().split(ANALYSIS_MARK, 1)[1]
    lines = [
        "# Placebo runs on real data",
        "",
        f"`python -m benchmarks.placebo`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, seed {SEED}, "
        f"{seconds:.0f} s in all. Nothing happened at these places and dates, so every Improved or "
        "Worsened verdict is a false alarm: at the 95% level about 5% of placebos should be called. "
        f"Target (issue 15): {_pct(TARGET[0])} to {_pct(TARGET[1])} called, for every data set x "
        f"outcome with {MIN_FOR_TARGET} placebos or more, under the inference the dashboard uses "
        "(`drift`). `poisson` is the inference before issue 15, kept for comparison.",
        "",
        "| data set | outcome | design | inference | placebos | with an estimate | called Improved/Worsened "
        "| intervals covering no change | RMS z | spread of estimates / median SE | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['title']} | {r['outcome']} | {r['design']} | {r['inference']} | {r['placebos']} "
            f"| {r['estimated']} | {_pct(r['called'])} ({r['called_n']}) | {_pct(r['covered'])} "
            f"| {_num(r['rms_z'])} | {_num(r['spread_over_se'])} "
            f"| {verdict_on_target(r) if r['inference'] == 'drift' else ''} |"
        )
    text = "\n".join(lines) + "\n\n" + ANALYSIS_MARK + (kept or "\n")
    path.write_text(text)
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(d.key for d in DATASETS))
    parser.add_argument("--inferences", default=",".join(INFERENCES))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not SHARED.exists():
        raise SystemExit(f"the shared real data is not at {SHARED}")
    wanted = args.datasets.split(",")
    started = time.perf_counter()
    rows = []
    for dataset in DATASETS:
        if dataset.key in wanted:
            rows += run_dataset(dataset, tuple(args.inferences.split(",")))
    print(write(rows, time.perf_counter() - started, args.out))


if __name__ == "__main__":
    main()
