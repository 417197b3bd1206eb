"""What a reader downloads to search, and what the index costs to build.

    python bench/search_bytes.py N [N ...] [--keep DIR]

For each archive size N (generated text that does not repeat, as bench/scale.py makes it), builds the site
and prints: the search index's size on disk and its shard count, the build's indexing time and
peak memory (from a build that re-indexes everything), then, in Debian chromium, for 20 typical
queries: bytes transferred by the first query of a fresh visit (Pagefind's start-up included)
and by a following query (“中国”), each as the search page runs it (its first 20 results).
Target (issue 4): first query ≤ 300 KB at 100k articles.
"""

from __future__ import annotations

import argparse
import functools
import json
import http.server
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.archive import TEXTS, make_archive  # noqa: E402
from bench.scale import run, size_of  # noqa: E402

QUERIES = ["国民党", "解放区", "停战", "美国", "毛泽东", "人民日报", "刘白羽", "土地", "民主", "黄河", "新华社", "蒋介石",
           "救济", "晋冀鲁豫", "内战", "和平", "生产", "妇女", "东北", "延安"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def record(response, sizes: list[int]) -> None:
    """Count a search file's bytes (a response still arriving as the page closes is left out)."""
    if response.ok and "/pagefind/" in response.url:
        try:
            sizes.append(len(response.body()))
        except Exception:  # noqa: BLE001 - the page went away first
            pass


def measure(site: Path, verbose: bool = False) -> tuple[list[int], list[int]]:
    from playwright.sync_api import sync_playwright
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    first, following = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        done = "() => /找到|没有/.test(document.getElementById('search-status').textContent)"
        for query in QUERIES:
            context = browser.new_context()
            page = context.new_page()
            sizes: list[int] = []
            page.on("response", lambda r, sizes=sizes: record(r, sizes))
            # the first query of a fresh visit, as a reader runs it: the page shows the first 20 results
            page.goto(base + "search/index.html?q=" + query)
            page.wait_for_function(done, timeout=300_000)
            page.wait_for_load_state("networkidle")
            first.append(sum(sizes))
            sizes.clear()
            page.evaluate("document.getElementById('search-status').textContent = ''")
            page.fill("#search-q", "中国")
            page.press("#search-q", "Enter")
            page.wait_for_function(done, timeout=300_000)
            page.wait_for_load_state("networkidle")
            following.append(sum(sizes))
            if verbose:
                print(f"    {query}: first {first[-1] / 1024:.0f} KB, next {following[-1] / 1024:.0f} KB", flush=True)
            context.close()
        browser.close()
    server.shutdown()
    return first, following


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--keep", type=Path, help="work in DIR/N and keep it")
    parser.add_argument("--no-build", action="store_true", help="measure the site already built in DIR/N/site")
    parser.add_argument("--verbose", action="store_true", help="print each query's figures")
    parser.add_argument("--text", choices=TEXTS, default="real", help="real: generated text that does not repeat "
                        "(the default); repeated: the 1946 corpus's issues repeated")
    args = parser.parse_args()
    print(f"{'articles':>9} {'index MB':>9} {'shards':>7} {'build s':>8} {'peak MB':>8} "
          f"{'1st query KB (median/max)':>26} {'next query KB (median)':>23}")
    for n in args.sizes:
        work = (args.keep / str(n)) if args.keep else Path(tempfile.mkdtemp(prefix=f"search-bytes-{n}-"))
        content, out = work / "content", work / "site"
        if not content.exists() and not args.no_build:
            make_archive(content, n, args.text)
        if args.no_build:
            seconds, rss = float("nan"), float("nan")
        else:
            seconds, rss = run([sys.executable, str(ROOT / "build.py"), "build", "--force", "--content", str(content),
                                "--out", str(out)])
        index_mb, _ = size_of(out / "pagefind")
        shards = len(json.loads((out / "pagefind" / "shards.json").read_text(encoding="utf-8")))
        first, following = measure(out, args.verbose)
        print(f"{n:>9} {index_mb:>9.1f} {shards:>7} {seconds:>8.1f} {rss:>8.0f} "
              f"{statistics.median(first) / 1024:>17.0f} / {max(first) / 1024:<6.0f} {statistics.median(following) / 1024:>23.0f}",
              flush=True)


if __name__ == "__main__":
    main()
