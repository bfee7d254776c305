"""Generate the demo city's rows from a seed: same seed, same rows, on any database.

`generate(seed)` returns every table's rows as plain dicts with explicit ids (so
SQLite and PostgreSQL hold identical data); `db.demo.load_demo` writes them.
The city itself (names, partnerships, planted effects) is fixed in `db.demo.city`.

The models, briefly:
- crime: monthly Poisson counts per area and category, expected value =
  population x city rate x area multiplier x seasonality (summer peak) x a slow
  downward trend x the area's own drift (a random walk, `city.DRIFT_SD` a year) x a
  little month-to-month noise x any spike before a start x the planted effect;
- resident surveys: every quarter, about 20 residents per area (30 in partnership
  areas, which are over-sampled), older people over-represented as in opt-in
  samples; answers come from a latent 0-100 score per construct (area baseline +
  age + planted effect + person noise); weights post-stratify age to the
  population within each area and quarter, trimmed to 0.2-5;
- partner and officer surveys once a year per partnership; monthly meetings with
  attendance, outreach events, SARA initiatives, feedback and chart events.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from db.demo import city, shapes


@dataclass
class DemoRows:
    """Rows for each table, in insertion order."""

    tables: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, table: str, row: dict) -> int:
        rows = self.tables.setdefault(table, [])
        row.setdefault("id", len(rows) + 1)
        rows.append(row)
        return row["id"]


def month_range(first: date, last: date) -> list[date]:
    months, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def months_between(start: date, later: date) -> int:
    return (later.year - start.year) * 12 + later.month - start.month


def effect_fraction(start: date, when: date) -> float:
    """How much of a planted effect is in force at `when`: 0 before the start,
    ramping linearly to 1 over the first RAMP_MONTHS months."""
    elapsed = months_between(start, when)
    if elapsed < 0:
        return 0.0
    return min(1.0, (elapsed + 1) / city.RAMP_MONTHS)


def generate(seed: int = 42) -> DemoRows:
    """Every table's rows for the demo city, deterministic in `seed`."""
    rng = np.random.default_rng(seed)
    rows = DemoRows()
    area_ids = _areas(rows, rng)
    partnerships_by_area = _partnerships(rows, area_ids)
    _crime(rows, rng, area_ids, partnerships_by_area, changes=np.random.default_rng(seed + 31))
    _resident_surveys(rows, rng, area_ids, partnerships_by_area, boost=np.random.default_rng(seed + 29))
    _open_answers(rows, np.random.default_rng(seed + 19))
    _partner_surveys(rows, rng, shared=np.random.default_rng(seed + 23))
    _implementation(rows, rng)
    _targeted(rows, area_ids, np.random.default_rng(seed + 37))
    _priorities(rows)
    _decisions(rows, np.random.default_rng(seed + 41))
    return rows


def _areas(rows: DemoRows, rng: np.random.Generator) -> dict[str, int]:
    city_id = rows.add(
        "area", {"code": "RIV", "name": city.CITY_NAME, "kind": "city", "parent_id": None, "population": None}
    )
    ids: dict[str, int] = {}
    grid: dict[tuple[int, int], int] = {}
    total = 0
    for r, (district, names) in enumerate(zip(city.DISTRICTS, city.NEIGHBOURHOODS, strict=True)):
        district_id = rows.add(
            "area",
            {
                "code": f"RIV-D{r + 1}",
                "name": f"{district} District",
                "kind": "district",
                "parent_id": city_id,
                "population": None,
            },
        )
        district_pop = 0
        for c, name in enumerate(names):
            pop = int(rng.integers(600, 3200)) * 10
            code = f"RIV-{r + 1}{c + 1:02d}"
            ids[name] = grid[(r, c)] = rows.add(
                "area",
                {
                    "code": code,
                    "name": name,
                    "kind": "neighbourhood",
                    "parent_id": district_id,
                    "population": pop,
                },
            )
            district_pop += pop
        rows.tables["area"][district_id - 1]["population"] = district_pop
        total += district_pop
    rows.tables["area"][city_id - 1]["population"] = total
    # Riverton is fictional; its shapes sit on empty prairie, 1.5 km a neighbourhood
    shapes.add_boundaries(rows.tables["area"], grid, west=-100.1, north=44.05, cell=0.0135, seed=7)
    for (r, c), a in grid.items():
        for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            b = grid.get((r + dr, c + dc))
            if b is not None:
                rows.tables.setdefault("area_neighbour", []).append({"area_id": a, "neighbour_id": b})
    rows.add("area_alias", {"area_id": ids["Market Street"], "alias": "Market St", "source": "demo"})
    rows.add("area_alias", {"area_id": ids["Central Station"], "alias": "Station", "source": "demo"})
    return ids


def _partnerships(
    rows: DemoRows, area_ids: dict[str, int], specs: tuple[city.PartnershipSpec, ...] = city.PARTNERSHIPS
) -> dict[int, city.PartnershipSpec]:
    org_ids: dict[str, int] = {}
    by_area: dict[int, city.PartnershipSpec] = {}
    for spec in specs:
        pid = rows.add(
            "partnership",
            {
                "code": spec.code,
                "name": spec.name,
                "description": spec.description,
                "goals": spec.goals,
                "start_date": spec.start,
                "end_date": None,
                "status": "active",
                "equity_dimension": city.EQUITY_GAP[0],
                "equity_group": city.EQUITY_GAP[1],
                "equity_reference": city.EQUITY_GAP[2],
            },
        )
        for member in spec.members:
            if member.name not in org_ids:
                org_ids[member.name] = rows.add(
                    "organisation", {"name": member.name, "sector": member.sector}
                )
            rows.tables.setdefault("partnership_member", []).append(
                {"partnership_id": pid, "organisation_id": org_ids[member.name], "role": member.role}
            )
        for role, names in (("catchment", spec.catchment), ("comparison", spec.comparison)):
            for name in names:
                rows.tables.setdefault("partnership_area", []).append(
                    {"partnership_id": pid, "area_id": area_ids[name], "role": role}
                )
        for name in spec.catchment:
            by_area[area_ids[name]] = spec
    return by_area


def _crime(
    rows: DemoRows,
    rng: np.random.Generator,
    area_ids: dict[str, int],
    by_area: dict[int, city.PartnershipSpec],
    changes: np.random.Generator,
) -> None:
    for code, name, group, _share in city.CATEGORIES:
        rows.add(
            "offence_category", {"source": "demo", "source_code": code, "name": name, "crime_group": group}
        )
    months = month_range(city.FIRST_MONTH, city.LAST_MONTH)
    areas = list(area_ids.values())
    pops = np.array([rows.tables["area"][a - 1]["population"] for a in areas], dtype=float)
    area_mult = rng.lognormal(0.0, 0.35, size=(len(areas), len(city.CATEGORIES)))
    month_no = np.array([m.month for m in months])
    season = 1 + 0.15 * np.sin(2 * np.pi * (month_no - 4) / 12)
    trend = 0.985 ** (np.arange(len(months)) / 12)
    base = np.array([city.GROUP_RATES[g] * s for _c, _n, g, s in city.CATEGORIES])
    lam = (pops[:, None, None] / 1000) * area_mult[:, None, :] * base[None, None, :]
    lam = lam * (season * trend)[None, :, None]
    lam = lam * rng.gamma(200, 1 / 200, size=lam.shape)  # mild extra-Poisson noise
    steps = rng.normal(0.0, city.DRIFT_SD / np.sqrt(12), size=(len(areas), len(months)))
    lam = lam * np.exp(np.cumsum(steps, axis=1))[:, :, None]  # each area drifts on its own
    for i, a in enumerate(areas):
        spec = by_area.get(a)
        if spec is None:
            continue
        before = np.array([-city.SPIKE_MONTHS <= months_between(spec.start, m) < 0 for m in months])
        for k, (_c, _n, group, _s) in enumerate(city.CATEGORIES):
            change = spec.effects.get(group)
            if change:
                frac = np.array([effect_fraction(spec.start, m) for m in months])
                lam[i, :, k] *= 1 + change * frac
            lam[i, before, k] *= 1 + spec.spike.get(group, 0.0)
    counts = rng.poisson(lam)
    keep, extra = _initiative_changes(lam, months, area_ids, areas)
    incidents = rows.tables.setdefault("crime_incident", [])
    serial = 0
    added: list[
        tuple[int, date, int, int]
    ] = []  # (area, day, category) drawn by the initiatives' own generator
    for i, a in enumerate(areas):
        for t, month in enumerate(months):
            days = calendar.monthrange(month.year, month.month)[1]
            for k in range(len(city.CATEGORIES)):
                n = int(counts[i, t, k])
                drawn = sorted(rng.integers(1, days + 1, size=n).tolist()) if n else []
                kept = set(range(n))
                if keep[i, t, k] < 1 and n:  # an initiative cut these: each crime stays with this chance
                    kept = set(np.flatnonzero(changes.random(n) < keep[i, t, k]).tolist())
                for j, day in enumerate(drawn):
                    serial += 1
                    if j in kept:
                        incidents.append(_incident(serial, a, date(month.year, month.month, day), k))
                for _ in range(int(changes.poisson(extra[i, t, k])) if extra[i, t, k] else 0):
                    added.append((a, date(month.year, month.month, int(changes.integers(1, days + 1))), k))
    for a, day, k in added:  # numbered after every other crime, so theirs keep their numbers
        serial += 1
        incidents.append(_incident(serial, a, day, k))


def _incident(serial: int, area: int, day: date, category: int) -> dict:
    return {
        "id": serial,
        "source": "demo",
        "source_id": f"RIV{serial:07d}",
        "occurred_on": day,
        "occurred_month": day.replace(day=1),
        "area_id": area,
        "category_id": category + 1,
        "count": 1,
    }


def _initiative_changes(
    lam: np.ndarray, months: list[date], area_ids: dict[str, int], areas: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """What the targeted initiatives (`city.TARGETED`) did to crime, cell by cell (area x
    month x category): the chance each crime is kept (a cut) and the expected crimes added
    (displaced into `displaced_to`). Applied to the drawn counts with the initiatives' own
    generator, so every other number in the demo is what it was without them."""
    keep = np.ones_like(lam)
    extra = np.zeros_like(lam)
    row = {a: i for i, a in enumerate(areas)}
    for spec in city.TARGETED:
        running = np.array([effect_fraction(spec.start, m) * (m <= spec.planned_end) for m in months])
        for k, (_c, _n, group, _s) in enumerate(city.CATEGORIES):
            change = spec.effects.get(group)
            if not change:
                continue
            cut = np.zeros(len(months))
            for name in spec.areas:
                i = row[area_ids[name]]
                keep[i, :, k] *= 1 + change * running
                cut += lam[i, :, k] * -change * running
            for name in spec.displaced_to:
                extra[row[area_ids[name]], :, k] += cut * spec.displaced / len(spec.displaced_to)
    return keep, extra


def _items(rows: DemoRows, items: tuple) -> dict[str, int]:
    ids = {}
    for code, construct, wording, lo, hi, reverse, labels in items:
        ids[code] = rows.add(
            "survey_item",
            {
                "code": code,
                "construct": construct,
                "wording": wording,
                "scale_min": float(lo),
                "scale_max": float(hi),
                "reverse_worded": reverse,
                "scale_labels": labels,
            },
        )
    return ids


def _answer(latent: np.ndarray, lo: int, hi: int, reverse: bool, rng: np.random.Generator) -> np.ndarray:
    """Answers on the item's scale from latent 0-100 scores, with item noise."""
    score = np.clip(latent + rng.normal(0, 6, size=latent.shape), 0, 100)
    x = np.rint(lo + (hi - lo) * score / 100)
    return hi - (x - lo) if reverse else x


def _resident_surveys(
    rows: DemoRows,
    rng: np.random.Generator,
    area_ids: dict[str, int],
    by_area: dict[int, city.PartnershipSpec],
    boost: np.random.Generator | None = None,
) -> None:
    """Residents' quarterly answers in every area; with `boost`, the extra residents of
    BOOSTED_AREAS too (drawn from `boost`, so every other answer stays as it was)."""
    item_ids = _items(rows, city.RESIDENT_ITEMS)
    quarters = sorted({quarter_start(m) for m in month_range(city.FIRST_MONTH, city.LAST_MONTH)})
    constructs = ("trust", "satisfaction", "safety", "procedural_justice")
    n_areas = len(area_ids)
    baseline = {
        c: rng.normal(mu, 5, size=n_areas) for c, mu in zip(constructs, (56, 60, 62, 58), strict=True)
    }
    names = {v: k for k, v in area_ids.items()}
    for i, area in enumerate(area_ids.values()):
        spec = by_area.get(area)
        race_p = rng.dirichlet(np.ones(len(city.RACES)) * 2)
        race_p = np.array(city.RACE_MIX.get(names[area], race_p))
        _margins(rows, area, race_p)
        for q in quarters:
            n = int(rng.poisson(30 if spec else 20))
            if n >= 2:
                _quarter_sample(rows, rng, n, area, q, spec, race_p, baseline, i, item_ids)
            if boost is not None and names[area] in city.BOOSTED_AREAS:
                extra = int(boost.poisson(city.BOOST_PER_QUARTER))
                _quarter_sample(rows, boost, extra, area, q, spec, race_p, baseline, i, item_ids)


def _quarter_sample(rows, rng, n, area, q, spec, race_p, baseline, i, item_ids) -> None:
    """`n` residents of `area` answering in quarter `q`, drawn from `rng`."""
    responses = rows.tables.setdefault("survey_response", [])
    answers = rows.tables.setdefault("survey_answer", [])
    race_shift = np.array(city.RACE_TRUST_SHIFT)
    # opt-in samples skew older than the population (AGE_SAMPLE_SHARE): answers carry
    # design weight 1, and raking to the area's margins (db.weighting) corrects it
    age = rng.choice(len(city.AGE_BANDS), size=n, p=np.array(city.AGE_SAMPLE_SHARE))
    weight = np.ones(n)
    sex = rng.choice(len(city.SEXES), size=n, p=[s for _x, s in city.SEXES])
    race = rng.choice(len(city.RACES), size=n, p=race_p)
    person = rng.normal(0, 15, size=n)
    latent = {}
    for c in baseline:
        shift = spec.effects.get(c, 0.0) * effect_fraction(spec.start, q) if spec else 0.0
        if spec and c in spec.equity:
            group, points = spec.equity[c]
            in_group = race == city.RACES.index(group)
            shift = shift + in_group * points * effect_fraction(spec.start, q)
        latent[c] = (
            baseline[c][i]
            + 0.6 * person
            + np.array(city.AGE_TRUST_SHIFT)[age]
            + race_shift[race] * (0.5 if c == "safety" else 1.0)
            + rng.normal(0, 10, size=n)
            + shift
        )
    days = rng.integers(0, 85, size=n)
    first_id = len(responses) + 1
    for j in range(n):
        rid = first_id + j
        responses.append(
            {
                "id": rid,
                "source_id": f"RIV-R{rid:07d}",
                "respondent_type": "resident",
                "area_id": area,
                "partnership_id": None,
                "responded_on": date.fromordinal(q.toordinal() + int(days[j])),
                "quarter_start": q,
                "weight": round(float(weight[j]), 4),
                "age_band": city.AGE_BANDS[age[j]],
                "sex": city.SEXES[sex[j]][0],
                "race_ethnicity": city.RACES[race[j]],
            }
        )
    for code, construct, _w, lo, hi, reverse, _l in city.RESIDENT_ITEMS:
        values = _answer(latent[construct], lo, hi, reverse, rng)
        for j in range(n):
            answers.append(
                {"response_id": first_id + j, "item_id": item_ids[code], "value": float(values[j])}
            )


def _largest_remainder(total: int, shares: np.ndarray) -> list[int]:
    """Whole counts in proportion to `shares` that add up to `total` exactly."""
    exact = total * shares / shares.sum()
    counts = np.floor(exact).astype(int)
    for k in np.argsort(counts - exact)[: total - counts.sum()]:
        counts[k] += 1
    return counts.tolist()


def _margins(rows: DemoRows, area: int, race_p: np.ndarray) -> None:
    """The area's census counts: age band x sex and race/ethnicity, each adding up to its
    population (the targets raking weights its answers to)."""
    population = rows.tables["area"][area - 1]["population"]
    margins = rows.tables.setdefault("population_margin", [])
    age_sex = np.outer(city.AGE_POPULATION_SHARE, [s for _x, s in city.SEXES]).ravel()
    cells = [f"{a}|{x}" for a in city.AGE_BANDS for x, _s in city.SEXES]
    for dimension, groups, shares in (
        ("age_sex", cells, age_sex),
        ("race_ethnicity", city.RACES, race_p),
    ):
        for group, count in zip(groups, _largest_remainder(population, np.asarray(shares)), strict=True):
            margins.append(
                {"area_id": area, "dimension": dimension, "group_value": group, "population": count}
            )


def _open_answers(rows: DemoRows, rng: np.random.Generator) -> None:
    """Written answers from about one resident in six: mostly English on the codebook's
    themes, a few in Spanish, a few blank. Speeding grows in the later years."""
    themes = list(city.OPEN_ANSWERS)
    out = rows.tables.setdefault("survey_open_answer", [])
    for response in rows.tables["survey_response"]:
        if response["respondent_type"] != "resident" or rng.random() > 0.17:
            continue
        roll = rng.random()
        if roll < 0.03:
            text = ""
        elif roll < 0.07:
            text = str(rng.choice(city.OTHER_LANGUAGE_ANSWERS))
        else:
            later = response["quarter_start"].year >= 2024
            p = np.ones(len(themes))
            p[themes.index("speeding and traffic")] = 3.0 if later else 1.0
            theme = themes[int(rng.choice(len(themes), p=p / p.sum()))]
            text = str(rng.choice(city.OPEN_ANSWERS[theme]))
        out.append({"response_id": response["id"], "question": city.OPEN_QUESTION, "text": text})


def _partner_surveys(
    rows: DemoRows,
    rng: np.random.Generator,
    specs: tuple[city.PartnershipSpec, ...] = city.PARTNERSHIPS,
    shared: np.random.Generator | None = None,
) -> None:
    """Partners' and officers' yearly survey. With `shared`, they answer PARTNER_SHARED_ITEMS
    too (drawn from `shared`, so the other answers stay as they were)."""
    item_ids = _items(rows, city.PARTNER_ITEMS)
    if shared is not None:
        item_ids |= _items(rows, city.PARTNER_SHARED_ITEMS)
    responses = rows.tables.setdefault("survey_response", [])
    rows.tables.setdefault("survey_answer", [])
    area_by_name = {a["name"]: a["id"] for a in rows.tables["area"]}
    for pid, spec in enumerate(specs, start=1):
        for year in range(spec.start.year, city.LAST_MONTH.year + 1):
            when = date(year, 10, 15)
            if when < spec.start or when > city.LAST_MONTH:
                continue
            mood = rng.normal(62, 8)
            for respondent_type, n in (
                ("partner", int(rng.integers(4, 9))),
                ("officer", int(rng.integers(3, 6))),
            ):
                for _ in range(n):
                    rid = len(responses) + 1
                    responses.append(
                        {
                            "id": rid,
                            "source_id": f"RIV-R{rid:07d}",
                            "respondent_type": respondent_type,
                            "area_id": area_by_name[spec.catchment[0]],
                            "partnership_id": pid,
                            "responded_on": when,
                            "quarter_start": quarter_start(when),
                            "weight": 1.0,
                            "age_band": None,
                            "sex": None,
                            "race_ethnicity": None,
                        }
                    )
                    latent = np.array([mood + rng.normal(0, 12)])
                    for code, _c, _w, lo, hi, reverse, _l in city.PARTNER_ITEMS:
                        value = _answer(latent, lo, hi, reverse, rng)[0]
                        rows.tables["survey_answer"].append(
                            {"response_id": rid, "item_id": item_ids[code], "value": float(value)}
                        )
                    if shared is None:
                        continue
                    view = latent + city.SHARED_VIEW_SHIFT[respondent_type]
                    for code, _c, _w, lo, hi, reverse, _l in city.PARTNER_SHARED_ITEMS:
                        value = _answer(view, lo, hi, reverse, shared)[0]
                        rows.tables["survey_answer"].append(
                            {"response_id": rid, "item_id": item_ids[code], "value": float(value)}
                        )


def _implementation(
    rows: DemoRows, rng: np.random.Generator, specs: tuple[city.PartnershipSpec, ...] = city.PARTNERSHIPS
) -> None:
    rows.add(
        "event",
        {
            "partnership_id": None,
            "occurred_on": date(2021, 1, 1),
            "kind": "records",
            "label": "Records system changed",
        },
    )
    for pid, spec in enumerate(specs, start=1):
        for month in month_range(spec.start, city.LAST_MONTH):
            if rng.random() < 0.85:
                rows.add(
                    "activity",
                    {
                        "partnership_id": pid,
                        "occurred_on": month.replace(day=int(rng.integers(5, 25))),
                        "kind": "meeting",
                        "attendance": int(rng.poisson(14)),
                        "decisions_made": int(rng.poisson(2)),
                    },
                )
            if month.month % 3 == 0:
                rows.add(
                    "activity",
                    {
                        "partnership_id": pid,
                        "occurred_on": month.replace(day=int(rng.integers(1, 28))),
                        "kind": str(rng.choice(["event", "outreach"])),
                        "attendance": int(rng.poisson(60)),
                        "decisions_made": None,
                    },
                )
            if month.month in (1, 7):
                rows.add(
                    "feedback",
                    {
                        "partnership_id": pid,
                        "received_on": month,
                        "source": str(rng.choice(["partner", "officer"])),
                        "rating": int(rng.integers(2, 6)),
                        "comment": str(rng.choice(city.FEEDBACK_COMMENTS)),
                    },
                )
        n_initiatives = int(rng.integers(2, 5))
        for k in range(n_initiatives):
            started = date.fromordinal(spec.start.toordinal() + 90 * k)
            # the earliest initiatives have gone furthest through the SARA cycle
            stage = ("assessment", "response", "analysis", "scanning")[k]
            ended = date.fromordinal(started.toordinal() + 365) if stage == "assessment" else None
            goal_met = bool(rng.random() < 0.6) if stage == "assessment" else None
            response_type = str(rng.choice(city.RESPONSE_TYPES))
            rows.add(
                "initiative",
                {
                    "partnership_id": pid,
                    # the start month tells apart two of one kind (a name is unique within its partnership)
                    "name": f"{response_type.capitalize()} ({spec.catchment[0]}, from {started:%b %Y})",
                    "response_type": response_type,
                    "stage": stage,
                    "started_on": started,
                    "ended_on": ended,
                    "goal": f"Measurable progress on: {spec.goals.lower()}",
                    "goal_met": goal_met,
                    # untargeted: no planned end or measurable goal (see `_targeted`)
                    "planned_end": None,
                    "goal_outcome": None,
                    "goal_change": None,
                    "goal_months": None,
                },
            )
            if started <= city.LAST_MONTH:
                rows.add(
                    "event",
                    {
                        "partnership_id": pid,
                        "occurred_on": started,
                        "kind": "phase",
                        "label": f"{response_type.capitalize()} began",
                    },
                )


def _targeted(rows: DemoRows, area_ids: dict[str, int], rng: np.random.Generator) -> None:
    """The targeted initiatives (`city.TARGETED`): their target, goal and month-by-month
    delivery, planned against delivered (`spec.delivered` of it, give or take)."""
    partnership_ids = {p["code"]: p["id"] for p in rows.tables["partnership"]}
    for spec in city.TARGETED:
        outcome, change, months = spec.goal
        done = spec.planned_end <= city.LAST_MONTH
        iid = rows.add(
            "initiative",
            {
                "partnership_id": partnership_ids[spec.partnership],
                "name": spec.name,
                "response_type": spec.response_type,
                "stage": "assessment" if done else "response",
                "started_on": spec.start,
                "ended_on": spec.planned_end if done else None,
                "goal": spec.goal_text,
                "goal_met": spec.claimed_met,
                "planned_end": spec.planned_end,
                "goal_outcome": outcome,
                "goal_change": change,
                "goal_months": months,
            },
        )
        for name in spec.areas:
            rows.tables.setdefault("initiative_area", []).append(
                {"initiative_id": iid, "area_id": area_ids[name]}
            )
        for target in spec.outcomes:
            rows.tables.setdefault("initiative_outcome", []).append({"initiative_id": iid, "outcome": target})
        for month in month_range(spec.start, min(spec.planned_end, city.LAST_MONTH)):
            for kind, planned in spec.delivery.items():
                delivered = int(rng.binomial(planned, spec.delivered)) if spec.delivered else 0
                rows.tables.setdefault("initiative_delivery", []).append(
                    {
                        "initiative_id": iid,
                        "month": month,
                        "kind": kind,
                        "planned": planned,
                        "delivered": delivered,
                    }
                )
        rows.add(
            "event",
            {
                "partnership_id": partnership_ids[spec.partnership],
                "occurred_on": spec.start,
                "kind": "phase",
                "label": f"{spec.name} began",
            },
        )


def _priorities(rows: DemoRows) -> None:
    """Community priorities (`city.PRIORITIES`) and the initiatives that answered them."""
    partnership_ids = {p["code"]: p["id"] for p in rows.tables["partnership"]}
    initiative_ids = {i["name"]: i["id"] for i in rows.tables["initiative"]}
    for spec in city.PRIORITIES:
        pid = rows.add(
            "priority",
            {
                "partnership_id": partnership_ids[spec.partnership],
                "raised_on": spec.raised_on,
                "source": spec.source,
                "title": spec.title,
                "theme": spec.theme,
                "outcome": spec.outcome,
                "raised_by": spec.raised_by,
            },
        )
        for name in spec.initiatives:
            rows.tables.setdefault("priority_response", []).append(
                {"priority_id": pid, "initiative_id": initiative_ids[name]}
            )


def _decisions(rows: DemoRows, rng: np.random.Generator) -> None:
    """Each meeting's decisions (as many as its `decisions_made`): who proposed them
    (`city.DECISION_STYLE`) and whether they were done by the date agreed."""
    specs = {p["id"]: spec for p, spec in zip(rows.tables["partnership"], city.PARTNERSHIPS, strict=True)}
    last_day = date(city.LAST_MONTH.year, city.LAST_MONTH.month, 30)
    for meeting in rows.tables["activity"]:
        if meeting["kind"] != "meeting" or not meeting["decisions_made"]:
            continue
        spec = specs[meeting["partnership_id"]]
        police, residents, on_time, late, dropped = city.DECISION_STYLE.get(
            spec.code, city.DEFAULT_DECISION_STYLE
        )
        sectors = [m.sector for m in spec.members if m.sector != "police"]
        decided = meeting["occurred_on"]
        count = min(meeting["decisions_made"], len(city.DECISION_SUMMARIES))
        for summary in rng.choice(city.DECISION_SUMMARIES, size=count, replace=False):
            u = rng.random()
            proposer = (
                "police"
                if u < police
                else "residents"
                if u < police + residents
                else str(rng.choice(sectors))
            )
            due = date.fromordinal(decided.toordinal() + int(rng.choice([30, 60, 90])))
            v = rng.random()
            status, done = "agreed", None
            if v < dropped:
                status = "dropped"
            elif v < dropped + on_time:
                done = date.fromordinal(decided.toordinal() + int(rng.integers(7, (due - decided).days + 1)))
            elif v < dropped + on_time + late:
                done = date.fromordinal(due.toordinal() + int(rng.integers(7, 61)))
            if done is not None and done <= last_day:
                status = "done"
            else:
                done = None
            rows.add(
                "decision",
                {
                    "partnership_id": meeting["partnership_id"],
                    "decided_on": decided,
                    "summary": str(summary),
                    "proposed_by": proposer,
                    "status": status,
                    "due_on": due,
                    "done_on": done,
                },
            )
