"""Batch evaluation benchmark: `commonground evaluate --all --json` on a city of about
240,000 incidents with 50 partnerships, timed from the shell as an analyst runs it.

    .venv/bin/python -m benchmarks.evaluate_bench [--postgres URL] [--baseline REV]

1. Builds the city-scale demo (`db.demo.scale.load_city`) with 50 partnerships that
   register no comparison areas (so that the evaluation proposes them, as for a programme
   file that lists only catchments) and `--incidents` incidents over ten years, in an SQLite
   file under `--data-dir` (and, with --postgres, in a database on that server). A city
   already built with the same parameters is reused.
2. Runs `python -m cli evaluate --all --json` in its own process `--runs` times and keeps
   the median wall time and the process's peak resident memory (its own rusage).
3. With `--baseline REV`, runs the same command from a checkout of git revision REV on the
   same database, and checks that both print the same evaluations (numbers to 1e-9
   relative): the time before a change, and proof that the change kept every result.

Results go to `benchmarks/results/evaluate.md`; issue 18's target is 20 s for 50
partnerships on this 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from db.demo.scale import INCIDENTS, load_city
from db.engine import make_engine
from db.migrate import upgrade
from db.models import LoadLog, Partnership, PartnershipArea

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "evaluate.md"
TARGET_SECONDS = 20.0
SEED = 42
PG_DATABASE = "commonground_evaluate_bench"


def city_url(folder: Path, incidents: int, partnerships: int) -> str:
    return f"sqlite:///{folder / f'evaluate-city-{SEED}-{incidents}-{partnerships}.sqlite'}"


def _holds(url: str, incidents: int, partnerships: int) -> bool:
    """Whether the database at `url` already holds this benchmark's city: its load log
    names the seed and share, with this many partnerships and no registered comparison."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            loads = set(conn.execute(select(LoadLog.file_name)).scalars())
            found = conn.execute(select(func.count()).select_from(Partnership)).scalar_one()
            registered = conn.execute(
                select(func.count()).select_from(PartnershipArea).where(PartnershipArea.role == "comparison")
            ).scalar_one()
    except SQLAlchemyError:  # no schema yet: build it
        return False
    finally:
        engine.dispose()
    return loads == {_load_name(incidents)} and found == partnerships and registered == 0


def _load_name(incidents: int) -> str:
    return f"city-scale demo, seed {SEED}, fraction {incidents / INCIDENTS:g}"


def build(url: str, incidents: int, partnerships: int, admin_url: str | None = None) -> dict:
    """The city at `url`, built afresh unless it is there already (a PostgreSQL database is
    dropped and created again through `admin_url`); what was done and how long it took."""
    if _holds(url, incidents, partnerships):
        engine = make_engine(url)
        upgrade(engine)  # a city built by older code gains the newer schema's (empty) tables
        engine.dispose()
        return {"built": False}
    if admin_url:
        postgres_database(admin_url, fresh=True)
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    engine = make_engine(url)
    upgrade(engine)
    written = load_city(
        engine, SEED, incidents / INCIDENTS, partnerships=partnerships, comparisons=False, progress=print
    )
    engine.dispose()
    return {"built": True, "build_seconds": written["seconds"]}


def postgres_database(admin_url: str, fresh: bool = False) -> str:
    """The benchmark's database on the server at `admin_url`, created if missing (or,
    `fresh`, dropped and created again)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if fresh:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))  # noqa: S608 - fixed name
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_DATABASE}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))  # noqa: S608 - fixed name
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def run_evaluate(url: str, out: Path, cwd: Path = ROOT) -> dict:
    """`python -m cli evaluate --all --json` in its own process from `cwd`: wall time and
    the process's own peak resident memory; its output is written to `out`."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(cwd)}
    errors = out.with_suffix(".stderr")
    started = time.perf_counter()
    with out.open("w") as stdout, errors.open("w") as stderr:
        child = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "-m", "cli", "evaluate", "--all", "--json"],
            cwd=cwd,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        _pid, status, usage = os.wait4(child.pid, 0)  # its own rusage, unlike RUSAGE_CHILDREN
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"evaluate --all failed: {errors.read_text()[-2000:]}")
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
    }


def differences(a, b, where: str = "") -> list[str]:
    """Where two printed evaluations differ; numbers within 1e-9 relative are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(a.keys() ^ b.keys())}"]
        return [d for k in a for d in differences(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} against {len(b)} items"]
        return [
            d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{where}[{i}]")
        ]
    if isinstance(a, float) and isinstance(b, int | float) and not isinstance(b, bool):
        same = (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        return [] if same else [f"{where}: {a!r} against {b!r}"]
    return [] if a == b else [f"{where}: {a!r} against {b!r}"]


@contextmanager
def checkout(revision: str):
    """A detached git worktree of `revision`, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="evaluate-baseline-"))
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), revision], cwd=ROOT, check=True)  # noqa: S603, S607
    try:
        yield folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=True)  # noqa: S603, S607


def measure(url: str, runs: int, baseline: str | None, folder: Path) -> dict:
    """Median of `runs` timed runs, and with `baseline`, that revision's run and the check."""
    timings = [run_evaluate(url, folder / f"run-{i}.json") for i in range(runs)]
    mine = json.loads((folder / "run-0.json").read_text())
    result = {
        "seconds": statistics.median(t["seconds"] for t in timings),
        "cpu_seconds": statistics.median(t["cpu_seconds"] for t in timings),
        "peak_mb": max(t["peak_mb"] for t in timings),
        "runs": [t["seconds"] for t in timings],
        "partnerships": len(mine["partnerships"]),
        "outcomes": sum(len(p["outcomes"]) for p in mine["partnerships"]),
    }
    if baseline:
        with checkout(baseline) as old:
            result["baseline"] = {"revision": baseline, **run_evaluate(url, folder / "baseline.json", old)}
        theirs = json.loads((folder / "baseline.json").read_text())
        found = differences(theirs, mine)
        result["baseline"]["differences"] = len(found)
        result["baseline"]["first_differences"] = found[:10]
    return result


def run(
    incidents: int, partnerships: int, runs: int, data_dir: Path, postgres: str | None, baseline: str | None
) -> dict:
    data_dir.mkdir(parents=True, exist_ok=True)
    urls = {"sqlite": city_url(data_dir, incidents, partnerships)}
    if postgres:
        urls["postgresql"] = postgres_database(postgres)
    result: dict = {"incidents": incidents, "partnerships": partnerships, "seed": SEED}
    result["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    for database, url in urls.items():
        built = build(url, incidents, partnerships, postgres if database == "postgresql" else None)
        with tempfile.TemporaryDirectory() as folder:
            result[database] = {**built, **measure(url, runs, baseline, Path(folder))}
    return result


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def write(result: dict, command: str) -> str:
    load = ", ".join(f"{x:g}" for x in result.get("load_average_before", ()))
    lines = [
        "# Batch evaluation benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {_cpu()}, "
        f"{os.cpu_count()} cores (shared), Python {platform.python_version()}: `{command}`.",
        "",
        f"`commonground evaluate --all --json` on the city-scale demo (seed {result['seed']}) with "
        f"{result['partnerships']} partnerships and {result['incidents']:,} incidents over ten years, "
        "every outcome (four crime groups, three survey constructs), comparison areas proposed by the "
        "evaluation. Wall time is the median of the runs, from starting the process to its exit; CPU "
        "time (user and system) and peak memory are the process's own. The cores are shared with other "
        f"work: the machine's load average (1, 5, 15 minutes) was {load} when the run began.",
        "",
        "| database | partnerships x outcomes | wall time | CPU time | peak memory | before the change "
        f"(wall, CPU, memory) | same results | target (at most {TARGET_SECONDS:g} s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for database in ("sqlite", "postgresql"):
        if database not in result:
            continue
        r = result[database]
        base = r.get("baseline")
        before = (
            f"{base['seconds']} s, {base['cpu_seconds']} s, {base['peak_mb']} MB ({base['revision'][:7]})"
            if base
            else "not run"
        )
        same = (
            ("yes" if base["differences"] == 0 else f"NO ({base['differences']})") if base else "not checked"
        )
        met = "met" if r["seconds"] <= TARGET_SECONDS else "MISSED"
        lines.append(
            f"| {database} | {r['partnerships']} x {r['outcomes'] // max(r['partnerships'], 1)} "
            f"| {r['seconds']} s | {r['cpu_seconds']} s | {r['peak_mb']} MB | {before} | {same} | {met} |"
        )
    lines += [
        "",
        "Where the time went before, what changed, and what is left: "
        "[Benchmarks: Batch evaluation](../../docs/benchmarks.md#batch-evaluation).",
        "",
        "```json",
        json.dumps(result, indent=2),
        "```",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=240_000)
    parser.add_argument("--partnerships", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "commonground-evaluate-bench",
        help="where the SQLite city is kept between runs",
    )
    parser.add_argument("--postgres", help="a PostgreSQL server URL whose user may create databases")
    parser.add_argument("--baseline", help="a git revision to time and compare results with")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    result = run(args.incidents, args.partnerships, args.runs, args.data_dir, args.postgres, args.baseline)
    command = "python -m benchmarks.evaluate_bench" + (" --postgres URL" if args.postgres else "")
    command += f" --baseline {args.baseline}" if args.baseline else ""
    text_ = write(result, command)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text_)
    print(text_)


if __name__ == "__main__":
    main()
