"""What scans cost in site size: the files a printed page adds (reading size, thumbnail, IIIF
tiles, info.json, its articles' clippings), at the default JPEG quality (newsarchive/images.py).

    python bench/scan_bytes.py [--pages 3]

Pages typeset as bench/scans.py does, at the size of an A3 broadsheet page scanned at 300 dpi
(about 3500 × 4960 pixels, eight columns), damaged as scans are. Prints bytes a page, by kind,
and how many such pages fit in GitHub Pages' 1 GB.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import read_corpus  # noqa: E402
from bench.scans import damage, from_corpus, typeset  # noqa: E402
from newsarchive import images  # noqa: E402
from newsarchive.model import Article, Scan  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=3)
    args = parser.parse_args()
    corpus, rng, totals, pixels = read_corpus(), random.Random(7), Counter(), 0
    import datetime
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.pages):
            page, printed = typeset(from_corpus(corpus, rng, 40), columns=8, chars=13, size=34, lines_per_column=96)
            path = Path(tmp) / f"{n}.jpg"
            path.write_bytes(damage(page, rng, printed, quality=90))
            scan = Scan(f"1946/05/15/pages/{n + 1}.jpg", datetime.date(1946, 5, 15), n + 1, page.width, page.height, "x")
            pixels += page.width * page.height
            image = images.open_scan(path)
            for name, data in images.scan_files(image, scan, "iiif").items():
                kind = "tiles" if "/iiif/" in name else name.rsplit("/", 1)[-1]
                totals[kind] += len(data)
            for k, a in enumerate(printed):
                article = Article(source=f"{k}.md", date=scan.date, title=a.title, section="要闻", slug=f"a{k}",
                                  page=n + 1, regions=tuple(a.boxes))
                totals["clippings"] += sum(len(d) for d in images.clipping_files(image, article).values())
            totals["scan given"] += path.stat().st_size
    per_page = {k: v / args.pages for k, v in totals.items()}
    site = sum(v for k, v in per_page.items() if k != "scan given")
    print(f"pages: {args.pages}, {pixels / args.pages / 1e6:.1f} megapixels each ({page.width} × {page.height}), "
          f"JPEG quality {images.QUALITY}")
    for kind, size in sorted(per_page.items(), key=lambda kv: -kv[1]):
        print(f"  {kind:<14} {size / 1e6:8.2f} MB a page")
    print(f"  {'in the site':<14} {site / 1e6:8.2f} MB a page → {1e9 / site:,.0f} pages in 1 GB "
          f"(about {1e9 / site / 8:,.0f} eight-page issues)")


if __name__ == "__main__":
    main()
