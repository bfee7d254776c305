"""The demo at city scale: ten years of a large city, generated and written by streaming.

`load_city(engine, seed, fraction)` fills an empty database with 300 beats, 60
partnerships, about 5,000,000 incidents and 200,000 resident survey responses (each with
its item answers and demographics) at `fraction=1`; smaller fractions scale the
incidents and responses only, for smoke tests. Nothing is held whole in memory: crime is
generated and written one month at a time, surveys one quarter at a time, as tuples.

The models are the demo city's (`db.demo.generate`), with two simplifications: expected
crime is calibrated so the total matches the target, and survey weights post-stratify
age against the expected sample shares rather than each cell's realised ones. Planted
effects follow a fixed pattern by partnership number, as `plan()` documents, so an
evaluation at city scale has a ground truth as the small demo does.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import Engine, insert

from db.dialect import bulk_insert, bulk_insert_tuples, reset_id_sequences, settle_after_bulk_load
from db.models import Base, CrimeIncident, LoadLog, SurveyAnswer, SurveyResponse
from db.rollup import refresh_crime_monthly, refresh_survey_monthly

from . import city, refuse_unless_empty, shapes
from .generate import DemoRows, _answer, _implementation, _items, _partner_surveys, _partnerships, month_range

GRID = (20, 15)  # beats on a 20 x 15 grid: grid neighbours share a boundary
INCIDENTS = 5_000_000
RESPONSES = 200_000
PARTNERSHIPS = 60
MONTHS = 120  # ten years, ending at the demo's last full month
SECTORS = ("school", "business", "local_government", "non_profit", "faith", "resident_group")
CONSTRUCTS = ("trust", "satisfaction", "safety", "procedural_justice")


@dataclass(frozen=True)
class Plan:
    """The city's fixed shape: beats (name, population) and partnerships."""

    beats: tuple[tuple[str, int], ...]
    partnerships: tuple[city.PartnershipSpec, ...]


def beat_name(index: int) -> str:
    return f"Beat {index + 1:03d}"


def plan(rng: np.random.Generator, partnerships: int = PARTNERSHIPS, comparisons: bool = True) -> Plan:
    """300 beats and 60 partnerships (or `partnerships`). Partnership k works in 1 to 3
    neighbouring beats and is compared with 3 beats in no partnership's catchment (chosen at
    random; a beat may serve several partnerships as a comparison), or, with `comparisons`
    false, registers none, so that the evaluation proposes them, as for a programme file that
    lists only catchments. Planted effects by k mod 3: 0 cut violent crime by 20% and raised
    trust by 6 points; 1 cut property crime by 15%; 2 changed nothing."""
    rows, cols = GRID
    populations = np.clip(rng.lognormal(np.log(18_000), 0.45, size=rows * cols), 3_000, 80_000)
    beats = tuple((beat_name(i), int(round(p, -1))) for i, p in enumerate(populations))
    order = rng.permutation(rows * cols)
    taken: set[int] = set()
    catchments: list[tuple[int, ...]] = []
    for start in order:
        if len(catchments) == partnerships:
            break
        if start in taken:
            continue
        r, c = divmod(int(start), cols)
        near = [r * cols + cc for cc in (c + 1, c + 2) if cc < cols and r * cols + cc not in taken]
        chosen = (int(start), *near[: int(rng.integers(0, 3))])
        catchments.append(chosen)
        taken.update(chosen)
        for beat in chosen:  # keep a ring round each catchment out of other catchments
            br, bc = divmod(beat, cols)
            taken.update(
                nr * cols + nc
                for nr, nc in ((br - 1, bc), (br + 1, bc), (br, bc - 1), (br, bc + 1))
                if 0 <= nr < rows and 0 <= nc < cols
            )
    in_catchment = {b for chosen in catchments for b in chosen}
    free = np.array([b for b in range(rows * cols) if b not in in_catchment])
    police = city.Member("City Police Department", "police", "police lead")
    specs = []
    last = city.LAST_MONTH
    for k, chosen in enumerate(catchments):
        start = date(2019 + int(rng.integers(0, 6)), int(rng.integers(1, 13)), 1)
        start = min(start, date(last.year - 2, last.month, 1))
        members = [police] + [
            city.Member(
                f"{SECTORS[(k + j) % len(SECTORS)].replace('_', ' ').title()} partner {k + 1}-{j + 1}",
                SECTORS[(k + j) % len(SECTORS)],
            )
            for j in range(int(rng.integers(2, 5)))
        ]
        effects = ({"violent": -0.20, "trust": 6.0}, {"property": -0.15}, {})[k % 3]
        comparison = tuple(beat_name(int(b)) for b in sorted(rng.choice(free, size=3, replace=False)))
        specs.append(
            city.PartnershipSpec(
                code=f"CITY-P{k + 1:02d}",
                name=f"{beat_name(chosen[0])} Partnership",
                start=start,
                catchment=tuple(beat_name(b) for b in chosen),
                members=tuple(members),
                description=f"Police and local partners working together in {len(chosen)} beat(s).",
                goals="Less crime and more trust in the partnership's beats.",
                comparison=comparison if comparisons else (),
                effects=effects,
            )
        )
    return Plan(beats, tuple(specs))


def load_city(
    engine: Engine,
    seed: int = 42,
    fraction: float = 1.0,
    progress=None,
    partnerships: int = PARTNERSHIPS,
    comparisons: bool = True,
) -> dict[str, int]:
    """Write the city-scale demo into an empty database; returns rows written per table
    and the seconds taken. `fraction` scales incidents and survey responses;
    `partnerships` and `comparisons` are `plan()`'s."""
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    rng = np.random.default_rng(seed)
    shape = plan(rng, partnerships, comparisons)
    rows = DemoRows()
    area_ids = _beats(rows, shape)
    by_area = _partnerships(rows, area_ids, shape.partnerships)
    for code, name, group, _share in city.CATEGORIES:
        rows.add(
            "offence_category", {"source": "demo", "source_code": code, "name": name, "crime_group": group}
        )
    resident_items = _items(rows, city.RESIDENT_ITEMS)
    _partner_surveys(rows, rng, shape.partnerships)
    _implementation(rows, rng, shape.partnerships)
    written: dict[str, int] = {}
    with engine.begin() as conn:
        refuse_unless_empty(conn)
        for table in Base.metadata.sorted_tables:
            if rows.tables.get(table.name):
                bulk_insert(conn, table, rows.tables[table.name])
                written[table.name] = len(rows.tables[table.name])
        say(f"registry written ({time.perf_counter() - started:.0f} s)")
        written["crime_incident"] = _crime(
            conn, rng, shape, area_ids, by_area, round(INCIDENTS * fraction), say
        )
        say(f"{written['crime_incident']:,} incidents written ({time.perf_counter() - started:.0f} s)")
        first_id = len(rows.tables["survey_response"]) + 1
        responses, answers = _residents(
            conn, rng, shape, area_ids, by_area, resident_items, round(RESPONSES * fraction), first_id
        )
        written["survey_response"] += responses
        written["survey_answer"] += answers
        say(f"{responses:,} resident responses written ({time.perf_counter() - started:.0f} s)")
        written["crime_monthly"] = refresh_crime_monthly(conn)
        written["survey_monthly"] = refresh_survey_monthly(conn)
        reset_id_sequences(conn)
        conn.execute(
            insert(LoadLog),
            [
                {
                    "kind": kind,
                    "file_name": f"city-scale demo, seed {seed}, fraction {fraction:g}",
                    "rows_inserted": count,
                    "loaded_by": "commonground demo --scale city",
                }
                for kind, count in written.items()
            ],
        )
    if engine.dialect.name == "postgresql":
        say(f"vacuuming and analysing the tables ({time.perf_counter() - started:.0f} s)")
    settle_after_bulk_load(engine)
    written["seconds"] = round(time.perf_counter() - started, 1)
    return written


def _beats(rows: DemoRows, shape: Plan) -> dict[str, int]:
    city_id = rows.add(
        "area", {"code": "CITY", "name": "The city", "kind": "city", "parent_id": None, "population": 0}
    )
    ids = {}
    for i, (name, population) in enumerate(shape.beats):
        ids[name] = rows.add(
            "area",
            {
                "code": f"B{i + 1:03d}",
                "name": name,
                "kind": "beat",
                "parent_id": city_id,
                "population": population,
            },
        )
    rows.tables["area"][city_id - 1]["population"] = sum(p for _n, p in shape.beats)
    n_rows, cols = GRID
    grid = {divmod(i, cols): ids[beat_name(i)] for i in range(n_rows * cols)}
    # beats of about 800 m, on empty prairie like Riverton's
    shapes.add_boundaries(rows.tables["area"], grid, west=-101.0, north=44.2, cell=0.0072, seed=11)
    for i in range(n_rows * cols):
        r, c = divmod(i, cols)
        for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= nr < n_rows and 0 <= nc < cols:
                rows.tables.setdefault("area_neighbour", []).append(
                    {"area_id": ids[beat_name(i)], "neighbour_id": ids[beat_name(nr * cols + nc)]}
                )
    return ids


def _months() -> list[date]:
    last = city.LAST_MONTH
    first_index = last.year * 12 + last.month - 1 - (MONTHS - 1)
    return month_range(date(first_index // 12, first_index % 12 + 1, 1), last)


def _effect(spec: city.PartnershipSpec | None, outcome: str, when: np.ndarray) -> np.ndarray:
    """The planted effect's share in force at each month (ordinal months), 0 to 1."""
    if spec is None or outcome not in spec.effects:
        return np.zeros(len(when))
    start = spec.start.year * 12 + spec.start.month - 1
    return np.clip((when - start + 1) / city.RAMP_MONTHS, 0, 1)


def _crime(conn, rng, shape: Plan, area_ids, by_area, target: int, say) -> int:
    months = _months()
    month_index = np.array([m.year * 12 + m.month - 1 for m in months])
    areas = [area_ids[name] for name, _p in shape.beats]
    pops = np.array([p for _n, p in shape.beats], dtype=float)
    groups = [g for _c, _n, g, _s in city.CATEGORIES]
    base = np.array([city.GROUP_RATES[g] * s for _c, _n, g, s in city.CATEGORIES])
    area_mult = rng.lognormal(0.0, 0.35, size=(len(areas), len(base)))
    season = 1 + 0.15 * np.sin(2 * np.pi * (np.array([m.month for m in months]) - 4) / 12)
    trend = 0.985 ** (np.arange(len(months)) / 12)
    lam = (
        (pops[:, None, None] / 1000)
        * area_mult[:, None, :]
        * base[None, None, :]
        * (season * trend)[None, :, None]
    )
    for i, area in enumerate(areas):
        spec = by_area.get(area)
        for k, group in enumerate(groups):
            if spec is not None and group in spec.effects:
                lam[i, :, k] *= 1 + spec.effects[group] * _effect(spec, group, month_index)
    lam *= target / lam.sum()
    columns = [
        "id",
        "source",
        "source_id",
        "occurred_on",
        "occurred_month",
        "area_id",
        "category_id",
        "count",
    ]
    table = CrimeIncident.__table__
    area_array = np.array(areas)
    serial = 0
    for t, month in enumerate(months):
        counts = rng.poisson(lam[:, t, :])  # areas x categories
        n = int(counts.sum())
        area_of = np.repeat(np.repeat(area_array, counts.shape[1]), counts.ravel())
        category_of = np.repeat(np.tile(np.arange(1, counts.shape[1] + 1), counts.shape[0]), counts.ravel())
        days = rng.integers(1, calendar.monthrange(month.year, month.month)[1] + 1, size=n)
        ids = range(serial + 1, serial + n + 1)
        prefix, month_text = f"{month:%Y-%m}-", month.isoformat()
        bulk_insert_tuples(
            conn,
            table,
            columns,
            [
                (i, "demo", f"C{i:08d}", f"{prefix}{d:02d}", month_text, a, c, 1)
                for i, d, a, c in zip(ids, days.tolist(), area_of.tolist(), category_of.tolist(), strict=True)
            ],
        )
        serial += n
        if t % 24 == 23:
            say(f"  crime: {month:%Y-%m}, {serial:,} incidents")
    return serial


def _residents(
    conn, rng, shape: Plan, area_ids, by_area, item_ids, target: int, first_id: int
) -> tuple[int, int]:
    months = _months()
    quarters = sorted({date(m.year, 3 * ((m.month - 1) // 3) + 1, 1) for m in months})
    areas = np.array([area_ids[name] for name, _p in shape.beats])
    specs = [by_area.get(int(a)) for a in areas]
    oversample = np.array([1.5 if s else 1.0 for s in specs])
    mean_n = target * oversample / (oversample.sum() * len(quarters))
    baseline = {
        c: rng.normal(mu, 5, size=len(areas)) for c, mu in zip(CONSTRUCTS, (56, 60, 62, 58), strict=True)
    }
    age_p, pop_p = np.array(city.AGE_SAMPLE_SHARE), np.array(city.AGE_POPULATION_SHARE)
    age_weight = np.clip(pop_p / age_p, 0.2, 5.0)
    sexes, sex_p = [s for s, _p in city.SEXES], [p for _s, p in city.SEXES]
    response_columns = [
        "id",
        "source_id",
        "respondent_type",
        "area_id",
        "partnership_id",
        "responded_on",
        "quarter_start",
        "weight",
        "age_band",
        "sex",
        "race_ethnicity",
    ]
    rid, answers = first_id, 0
    for q in quarters:
        counts = rng.poisson(mean_n)
        n = int(counts.sum())
        where = np.repeat(np.arange(len(areas)), counts)
        age = rng.choice(len(city.AGE_BANDS), size=n, p=age_p)
        sex = rng.choice(len(sexes), size=n, p=sex_p)
        race = rng.integers(0, len(city.RACES), size=n)
        person = rng.normal(0, 15, size=n)
        q_index = np.full(len(areas), q.year * 12 + q.month - 1)
        latent = {}
        for construct in CONSTRUCTS:
            shift = np.array(
                [
                    (s.effects.get(construct, 0.0) * _effect(s, construct, q_index[:1])[0]) if s else 0.0
                    for s in specs
                ]
            )
            latent[construct] = (
                baseline[construct][where]
                + 0.6 * person
                + np.array(city.AGE_TRUST_SHIFT)[age]
                + rng.normal(0, 10, size=n)
                + shift[where]
            )
        days = rng.integers(0, 85, size=n)
        ids = list(range(rid, rid + n))
        bulk_insert_tuples(
            conn,
            SurveyResponse.__table__,
            response_columns,
            [
                (
                    i,
                    f"CITY-R{i:08d}",
                    "resident",
                    int(areas[w]),
                    None,
                    date.fromordinal(q.toordinal() + int(d)).isoformat(),
                    q.isoformat(),
                    float(round(age_weight[a], 4)),
                    city.AGE_BANDS[a],
                    sexes[s],
                    city.RACES[r],
                )
                for i, w, d, a, s, r in zip(
                    ids, where.tolist(), days.tolist(), age.tolist(), sex.tolist(), race.tolist(), strict=True
                )
            ],
        )
        for code, construct, _w, lo, hi, reverse, _l in city.RESIDENT_ITEMS:
            values = _answer(latent[construct], lo, hi, reverse, rng)
            bulk_insert_tuples(
                conn,
                SurveyAnswer.__table__,
                ["response_id", "item_id", "value"],
                list(zip(ids, [item_ids[code]] * n, values.tolist(), strict=True)),
            )
            answers += n
        rid += n
    return rid - first_id, answers
