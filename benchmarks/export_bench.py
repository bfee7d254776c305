"""Export benchmark: one partnership's full deck as PDF and as PowerPoint, timed.

    .venv/bin/python -m benchmarks.export_bench [--database-url URL] [--partnership CODE]

Without a URL it builds the demo city (seed 42) in a temporary SQLite file first. Each
format is timed from the database to the finished file (slides built, charts drawn by
one kaleido browser, file written), the way `commonground export` does it. Results go
to `benchmarks/results/export.md`; issue 5's target is at most 15 s per deck.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from board.deck import build_deck
from board.export import export
from db.demo import load_demo
from db.engine import make_engine
from db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "export.md"
TARGET_SECONDS = 15


def run(url: str, code: str) -> dict:
    engine = make_engine(url)
    timings = {}
    for fmt in ("pdf", "pptx"):
        started = time.perf_counter()
        with engine.connect() as conn:
            deck = build_deck(conn, code, "public")
        built = time.perf_counter() - started
        data = export(deck, fmt)
        timings[fmt] = {
            "seconds": round(time.perf_counter() - started, 2),
            "slides_built_seconds": round(built, 2),
            "slides": len(deck.slides),
            "bytes": len(data),
        }
    return {"partnership": code, **timings}


def write(result: dict) -> str:
    lines = [
        "# Export benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"Python {platform.python_version()}: `python -m benchmarks.export_bench` (demo city, seed 42).",
        "",
        f"One partnership's public deck ({result['partnership']}), from the database to the finished file,"
        " charts drawn by one kaleido browser for all slides.",
        "",
        "| format | slides | wall time | of which building the slides | size | target (at most 15 s) |",
        "|---|---|---|---|---|---|",
    ]
    for fmt in ("pdf", "pptx"):
        r = result[fmt]
        met = "met" if r["seconds"] <= TARGET_SECONDS else "MISSED"
        lines.append(
            f"| {fmt} | {r['slides']} | {r['seconds']} s | {r['slides_built_seconds']} s "
            f"| {r['bytes']:,} bytes | {met} |"
        )
    lines += ["", "```json", json.dumps(result, indent=2), "```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--partnership", default="RIV-EAST-SCHOOLS")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url
        if url is None:
            url = f"sqlite:///{Path(folder) / 'demo.sqlite'}"
            engine = make_engine(url)
            upgrade(engine)
            load_demo(engine, 42)
            engine.dispose()
        text = write(run(url, args.partnership))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
