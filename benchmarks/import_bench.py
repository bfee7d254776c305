"""Import benchmark: a generated incident CSV into SQLite, three ways, from one run.

    .venv/bin/python -m benchmarks.import_bench --rows 1000000

1. `commonground import` (validation, staging, merge, roll-up and log included);
2. the floor: the same rows, already parsed, through a bare sqlite3 `executemany`;
3. what a user would otherwise write: `pandas.read_csv` then `DataFrame.to_sql`
   through a SQLAlchemy engine.

Each runs in its own process so that its peak resident memory can be read. Results
go to `benchmarks/results/import.md` (and are printed); targets are those of issue 4.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import tempfile
import time
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


def run(rows: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        csv_path, mapping_path = work / "incidents.csv", work / "bench.toml"
        started = time.perf_counter()
        generate(csv_path, rows)
        generated = round(time.perf_counter() - started, 1)
        mapping_path.write_text(MAPPING)
        db = work / "ours.sqlite"
        setup = (
            "from db.engine import make_engine; from db.migrate import upgrade; from db.models import Area\n"
            f"e = make_engine('sqlite:///{db}'); upgrade(e)\n"
            "with e.begin() as c:\n"
            "    c.execute(Area.__table__.insert(),\n"
            f"              [{{'code': n, 'name': n, 'kind': 'beat'}} for n in {AREAS!r}])\n"
        )
        subprocess.run([sys.executable, "-c", setup], cwd=ROOT, check=True)
        ours = _child(
            "from pathlib import Path; from db.engine import make_engine; "
            "from db.importing.mapping import load_mapping; from db.importing.run import import_file\n"
            f"r = import_file(make_engine('sqlite:///{db}'), Path('{csv_path}'),\n"
            f"                load_mapping(Path('{mapping_path}')))\n"
            "assert r.accepted, r.text()\n"
        )
        # fixed benchmark SQL; only a temporary path is interpolated
        floor = _child(
            "import csv, sqlite3, time\n"  # noqa: S608
            f"rows = [(r[0], r[1], r[2], r[3]) for r in csv.reader(open('{csv_path}'))][1:]\n"
            f"con = sqlite3.connect('{work / 'floor.sqlite'}')\n"
            "con.execute('create table t (source_id text, occurred_on text, area text, offence text)')\n"
            "t = time.perf_counter()\n"
            "with con: con.executemany('insert into t values (?, ?, ?, ?)', rows)\n"
            f"open('{work / 'floor.txt'}', 'w').write(str(time.perf_counter() - t))\n"
        )
        floor_insert = float((work / "floor.txt").read_text())
        to_sql = _child(
            "import pandas as pd; from sqlalchemy import create_engine\n"
            f"df = pd.read_csv('{csv_path}')\n"
            f"engine = create_engine('sqlite:///{work / 'pandas.sqlite'}')\n"
            "df.to_sql('t', engine, index=False, chunksize=10_000)\n"
        )
    return {
        "rows": rows,
        "generated_seconds": generated,
        "commonground_import": ours,
        "floor_executemany": {**floor, "insert_only_seconds": round(floor_insert, 2)},
        "pandas_to_sql": to_sql,
    }


def write(result: dict) -> str:
    ours, floor, pandas = result["commonground_import"], result["floor_executemany"], result["pandas_to_sql"]
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
        f"{result['rows']:,} incident rows (id, d/m/yyyy date, area, offence) into SQLite.",
        "",
        "| approach | wall time | peak memory |",
        "|---|---|---|",
        f"| `commonground import` (validation, staging, merge, roll-up, log) | {ours['seconds']} s"
        f" | {ours['peak_mb']} MB |",
        f"| floor: parse with `csv`, bare `sqlite3.executemany` | {floor['seconds']} s"
        f" (insert alone {floor['insert_only_seconds']} s) | {floor['peak_mb']} MB |",
        f"| `pandas.read_csv` + `DataFrame.to_sql` | {pandas['seconds']} s | {pandas['peak_mb']} MB |",
        "",
        "| target (issue 4) | met | measured |",
        "|---|---|---|",
        *[f"| {name} | {'yes' if ok else 'NO'} | {value} |" for name, ok, value in checks],
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
