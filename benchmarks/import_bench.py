"""Import benchmark: a generated incident CSV into SQLite, several ways, from one run.

    .venv/bin/python -m benchmarks.import_bench --rows 1000000

1. `commonground import` (reading, validation, writing, roll-up and log included), which
   takes a clean file the quick, column-wise way (`db/importing/crime_columnar.py`);
2. the same file forced the general, row-by-row way (what a file with problems costs);
3. the floor: the rows `commonground import` writes, parsed with `csv` and turned into
   those exact rows with no checks, through a bare sqlite3 `executemany` into the
   same `crime_incident` table;
4. what a user would otherwise write: `pandas.read_csv`, ids looked up with `map`,
   dates with `to_datetime`, then `DataFrame.to_sql` through a SQLAlchemy engine into
   the same table;
5. and, as measured before, the raw text into a table with no key, index or check, by
   `executemany` and by `to_sql`: the cost of parsing the file and nothing else.

Each runs in its own process so that its peak resident memory can be read. Results
go to `benchmarks/results/import.md` (and are printed); targets are those of issue 4,
judged on 3 and 4, which write the same rows into the same table as 1.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "import.md"
AREAS = [f"Area {i:02d}" for i in range(40)]
OFFENCES = {
    "Assault": "violent",
    "Robbery": "violent",
    "Burglary": "property",
    "Theft": "property",
    "Anti-social behaviour": "asb",
    "Drugs": "other",
}
MAPPING = """kind = "crime"
source = "bench"
date_format = "%d/%m/%Y"
[columns]
area = "area"
category = "offence"
occurred = "date"
source_id = "id"
[groups]
""" + "".join(f'"{k}" = "{v}"\n' for k, v in OFFENCES.items())


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    offences = list(OFFENCES)
    with open(path, "w", encoding="utf-8") as f:
        f.write("id,date,area,offence\n")
        for i in range(rows):
            f.write(
                f"B{i:08d},{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2016, 2025)},"
                f"{rng.choice(AREAS)},{rng.choice(offences)}\n"
            )


NOTES = "## Where the time goes"

PEAK = "\nimport resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"


def _child(code: str) -> dict:
    """Run `code` in a fresh Python; return its wall time and its own peak RSS (MB)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code + PEAK], cwd=ROOT, check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    peak_kb = int(done.stdout.strip().splitlines()[-1])
    return {"seconds": round(seconds, 2), "peak_mb": round(peak_kb / 1024, 1)}


def _prepared(db: Path) -> None:
    """A migrated database with the benchmark's areas, as a department's would be."""
    setup = (
        "from db.engine import make_engine; from db.migrate import upgrade; from db.models import Area\n"
        f"e = make_engine('sqlite:///{db}'); upgrade(e)\n"
        "with e.begin() as c:\n"
        "    c.execute(Area.__table__.insert(),\n"
        f"              [{{'code': n, 'name': n, 'kind': 'beat'}} for n in {AREAS!r}])\n"
    )
    subprocess.run([sys.executable, "-c", setup], cwd=ROOT, check=True)


def _ours(db: Path, csv_path: Path, mapping_path: Path, rows: int, general: bool = False) -> dict:
    force = "from db.importing import crime_columnar; crime_columnar.suited = lambda *_: False\n"
    return _child(
        (force if general else "") + "from pathlib import Path; from db.engine import make_engine; "
        "from db.importing.mapping import load_mapping; from db.importing.run import import_file\n"
        f"r = import_file(make_engine('sqlite:///{db}'), Path('{csv_path}'),\n"
        f"                load_mapping(Path('{mapping_path}')))\n"
        f"assert r.accepted and r.inserted == {rows} and r.read_by_columns is {not general}, r.text()\n"
    )


def _floor(db: Path, csv_path: Path, work: Path) -> dict:
    """The rows the import writes, made with no checks, by a bare executemany into the same table."""
    # fixed benchmark SQL; only a temporary path and the benchmark's own names are interpolated
    result = _child(
        "import csv, sqlite3, time\n"  # noqa: S608
        f"con = sqlite3.connect('{db}')\n"
        "areas = dict(con.execute('select name, id from area'))\n"
        "con.executemany('insert into offence_category (source, source_code, name, crime_group)'\n"
        "                ' values (?, ?, ?, ?)', [('bench', k, k, v) for k, v in "
        f"{OFFENCES!r}.items()])\n"
        "codes = dict(con.execute(\"select source_code, id from offence_category where source = 'bench'\"))\n"
        "t = time.perf_counter()\n"
        f"reader = csv.reader(open('{csv_path}', newline='')); next(reader)\n"
        "rows = [('bench', i, f'{d[6:10]}-{d[3:5]}-{d[0:2]}', f'{d[6:10]}-{d[3:5]}-01',\n"
        "         areas[a], codes[o], 1) for i, d, a, o in reader]\n"
        "parsed = time.perf_counter()\n"
        "with con:\n"
        "    con.executemany('insert into crime_incident (source, source_id, occurred_on, occurred_month,'\n"
        "                    ' area_id, category_id, count) values (?, ?, ?, ?, ?, ?, ?)', rows)\n"
        f"open('{work / 'floor.txt'}', 'w').write(str(time.perf_counter() - parsed))\n"
    )
    return {**result, "insert_only_seconds": round(float((work / "floor.txt").read_text()), 2)}


def _to_sql(db: Path, csv_path: Path) -> dict:
    """What a user would write with pandas to put the same rows into the same table."""
    return _child(  # fixed benchmark SQL; only a temporary path is interpolated
        "import pandas as pd; from sqlalchemy import create_engine\n"  # noqa: S608
        f"engine = create_engine('sqlite:///{db}')\n"
        f"df = pd.read_csv('{csv_path}', dtype=str)\n"
        "areas = pd.read_sql('select id, name from area', engine).set_index('name')['id']\n"
        "offences = pd.DataFrame({'source_code': sorted(df['offence'].unique())})\n"
        f"offences['crime_group'] = offences['source_code'].map({OFFENCES!r})\n"
        "offences = offences.assign(source='bench', name=offences['source_code'])\n"
        "offences.to_sql('offence_category', engine, if_exists='append', index=False)\n"
        "codes = pd.read_sql(\"select id, source_code from offence_category where source = 'bench'\",\n"
        "                    engine).set_index('source_code')['id']\n"
        "day = pd.to_datetime(df['date'], format='%d/%m/%Y')\n"
        "rows = pd.DataFrame({'source': 'bench', 'source_id': df['id'], 'occurred_on': day.dt.date,\n"
        "    'occurred_month': day.dt.to_period('M').dt.start_time.dt.date,\n"
        "    'area_id': df['area'].map(areas), 'category_id': df['offence'].map(codes), 'count': 1})\n"
        "rows.to_sql('crime_incident', engine, if_exists='append', index=False, chunksize=10_000)\n"
    )


def _bare(csv_path: Path, work: Path) -> tuple[dict, dict]:
    """The raw text into a table with no key, index or check: by executemany, by to_sql."""
    # fixed benchmark SQL; only a temporary path is interpolated
    floor = _child(
        "import csv, sqlite3, time\n"  # noqa: S608
        f"rows = [(r[0], r[1], r[2], r[3]) for r in csv.reader(open('{csv_path}'))][1:]\n"
        f"con = sqlite3.connect('{work / 'bare.sqlite'}')\n"
        "con.execute('create table t (source_id text, occurred_on text, area text, offence text)')\n"
        "t = time.perf_counter()\n"
        "with con: con.executemany('insert into t values (?, ?, ?, ?)', rows)\n"
        f"open('{work / 'bare.txt'}', 'w').write(str(time.perf_counter() - t))\n"
    )
    floor["insert_only_seconds"] = round(float((work / "bare.txt").read_text()), 2)
    to_sql = _child(
        "import pandas as pd; from sqlalchemy import create_engine\n"
        f"df = pd.read_csv('{csv_path}')\n"
        f"engine = create_engine('sqlite:///{work / 'pandas.sqlite'}')\n"
        "df.to_sql('t', engine, index=False, chunksize=10_000)\n"
    )
    return floor, to_sql


def run(rows: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        csv_path, mapping_path = work / "incidents.csv", work / "bench.toml"
        started = time.perf_counter()
        generate(csv_path, rows)
        generated = round(time.perf_counter() - started, 1)
        mapping_path.write_text(MAPPING)
        template = work / "template.sqlite"
        _prepared(template)
        copies = {}
        for name in ("ours", "general", "floor", "pandas"):
            copies[name] = work / f"{name}.sqlite"
            shutil.copy(template, copies[name])
        ours = _ours(copies["ours"], csv_path, mapping_path, rows)
        general = _ours(copies["general"], csv_path, mapping_path, rows, general=True)
        floor = _floor(copies["floor"], csv_path, work)
        to_sql = _to_sql(copies["pandas"], csv_path)
        bare_floor, bare_to_sql = _bare(csv_path, work)
        written = [_incidents(copies[name]) for name in ("ours", "general", "floor", "pandas")]
    if len(set(written)) != 1:
        raise AssertionError(f"the four ways wrote different rows: {written}")
    return {
        "rows": rows,
        "generated_seconds": generated,
        "commonground_import": ours,
        "general_path": general,
        "floor_executemany": floor,
        "pandas_to_sql": to_sql,
        "bare_table": {"executemany": bare_floor, "pandas_to_sql": bare_to_sql},
    }


def _incidents(db: Path) -> tuple:
    """(rows, a checksum of their content) of crime_incident: every way must write the same."""
    with closing(sqlite3.connect(db)) as con:
        return con.execute(
            "SELECT count(*), sum(length(i.source_id)), sum(julianday(i.occurred_on)),"
            " sum(julianday(i.occurred_on) - julianday(i.occurred_month)), sum(i.area_id),"
            " sum(unicode(c.source_code) * i.area_id), sum(length(c.source_code) * i.count)"
            " FROM crime_incident i JOIN offence_category c ON c.id = i.category_id"
        ).fetchone()


def write(result: dict) -> str:
    ours, general, floor, pandas = (
        result[k] for k in ("commonground_import", "general_path", "floor_executemany", "pandas_to_sql")
    )
    bare = result["bare_table"]
    vs_floor = ours["seconds"] / floor["seconds"]
    vs_pandas = pandas["seconds"] / ours["seconds"]
    checks = [
        ("at most 10 s", ours["seconds"] <= 10, f"{ours['seconds']} s"),
        ("at most 500 MB peak memory", ours["peak_mb"] <= 500, f"{ours['peak_mb']} MB"),
        ("within 2.5x of the floor", vs_floor <= 2.5, f"{vs_floor:.1f}x"),
        ("at least 2x faster than to_sql", vs_pandas >= 2, f"{vs_pandas:.1f}x"),
    ]
    lines = [
        "# Import benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()},"
        f" Python {platform.python_version()}:"
        f" `python -m benchmarks.import_bench --rows {result['rows']}`.",
        "",
        f"{result['rows']:,} incident rows (id, d/m/yyyy date, area, offence) into SQLite. Every way"
        " but the last two writes the same rows into the same migrated `crime_incident` table"
        " (checked at the end of the run).",
        "",
        "| approach | wall time | peak memory |",
        "|---|---|---|",
        f"| `commonground import`, the quick way (validation, roll-up, log) | {ours['seconds']} s"
        f" | {ours['peak_mb']} MB |",
        f"| `commonground import` forced the general way (row by row) | {general['seconds']} s"
        f" | {general['peak_mb']} MB |",
        f"| floor: the same rows made with no checks, bare `sqlite3.executemany` | {floor['seconds']} s"
        f" (insert alone {floor['insert_only_seconds']} s) | {floor['peak_mb']} MB |",
        f"| `pandas.read_csv`, `map`, `to_datetime`, `DataFrame.to_sql` into the same table"
        f" | {pandas['seconds']} s | {pandas['peak_mb']} MB |",
        f"| raw text into a bare table (no key, index or check), `executemany`"
        f" | {bare['executemany']['seconds']} s (insert alone {bare['executemany']['insert_only_seconds']} s)"
        f" | {bare['executemany']['peak_mb']} MB |",
        f"| raw text into a bare table, `read_csv` + `to_sql` | {bare['pandas_to_sql']['seconds']} s"
        f" | {bare['pandas_to_sql']['peak_mb']} MB |",
        "",
        "| target (issue 4) | met | measured |",
        "|---|---|---|",
        *[f"| {name} | {'yes' if ok else 'NO'} | {value} |" for name, ok, value in checks],
        "",
        "Against the bare table, which holds none of the rows the import writes:"
        f" {ours['seconds'] / bare['executemany']['seconds']:.1f}x its `executemany`,"
        f" {bare['pandas_to_sql']['seconds'] / ours['seconds']:.1f}x faster than its `to_sql`.",
        "",
        "```json",
        json.dumps(result, indent=2),
        "```",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    text = write(run(args.rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    previous = args.out.read_text() if args.out.exists() else ""
    if NOTES in previous:  # the hand-written analysis below the numbers is kept
        text += "\n" + previous[previous.index(NOTES) :]
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
