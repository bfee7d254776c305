"""The README's screenshots, made from the code as it is: `python docs/screenshots.py`.

Builds the demo city (seed 42) in a temporary database, starts the dashboard on it, and
photographs it in Debian's Chromium at 1920x1080: the Overview's first screen
(docs/overview.png) and the "Trust in police" slide of the Present page (docs/slide.png).
`--every-size DIR` also photographs every page and slide at a phone, a laptop, a projector
and a 4K screen into DIR, for a look before a change lands.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.server import CHROMIUM, CHROMIUM_ARGS, serving, wait_for_page  # noqa: E402
from board.deck import build_deck  # noqa: E402
from db.demo import load_demo  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402

DOCS = ROOT / "docs"
CODE = "RIV-EAST-SCHOOLS"
SIZES = [(390, 844), (1366, 768), (1920, 1080), (3840, 2160)]
PAGES = {
    "overview": "/",
    "partnership": "/partnership",
    "initiatives": "/initiatives",
    "data": "/data",
    "audit-log": "/audit",
}


def photograph(base: str, browser, path: str, size: tuple[int, int], out: Path) -> None:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        page.goto(base + path, timeout=120_000)
        wait_for_page(page, path)
        page.screenshot(path=str(out))
        print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--every-size", type=Path, metavar="DIR", help="also every page and slide at every size, into DIR"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'demo.sqlite'}"
        engine = make_engine(url)
        upgrade(engine)
        load_demo(engine)
        with engine.connect() as conn:
            slides = len(build_deck(conn, CODE, "public").slides)
        engine.dispose()
        with serving(url, Path(folder) / "streamlit.log") as (base, _), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            photograph(base, browser, "/", (1920, 1080), DOCS / "overview.png")
            photograph(base, browser, f"/present?p={CODE}&slide=3", (1920, 1080), DOCS / "slide.png")
            if args.every_size:
                args.every_size.mkdir(parents=True, exist_ok=True)
                for width, height in SIZES:
                    for name, path in PAGES.items():
                        out = args.every_size / f"{name}-{width}.png"
                        photograph(base, browser, path, (width, height), out)
                    for number in range(1, slides + 1):
                        slide = f"/present?p={CODE}&slide={number}"
                        out = args.every_size / f"slide-{number}-{width}.png"
                        photograph(base, browser, slide, (width, height), out)
            browser.close()


if __name__ == "__main__":
    main()
