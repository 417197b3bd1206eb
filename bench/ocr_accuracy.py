"""How well scans become articles: typeset pages (bench/scans.py), damaged, OCR'd by real Tesseract.

    python bench/ocr_accuracy.py [--pages 6] [--tune-seed 1] [--held-out-seed 1001] [--columns 6]

Two sets of pages of the 1946 corpus (seeds below 1000 to tune on, 1000 and above held out), and
the seed page's six articles (哈尔滨日报, split by hand in content/) typeset as one page, held out too. For each page: its
scan is OCR'd column by column (newsarchive.tesseract), read as the import reads hOCR, and split
into articles. Prints per set: the OCR's character error rate against the printed text, the
import's article figures (as bench/import_accuracy.py prints them, which OCR errors lower: a
headline with one wrong character is not exact), true articles found (an output article holds
most of its text), how well each article's regions cover its true boxes (intersection over
union), characters of the OCR text lost. Tesseract (chi_sim) takes about 10 s a six-column
page at this size on this machine.
Targets (issue 18): every true article found, regions IoU ≥ 0.9 on the median article, nothing
of the OCR text lost.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import read_corpus  # noqa: E402
from bench.scans import ScanArticle, damage, from_content, from_corpus, typeset  # noqa: E402
from newsarchive.importer import PageImport, page_characters, parse_page, visible  # noqa: E402
from newsarchive.ocr import OcrPage, page_text, regions_for  # noqa: E402
from newsarchive.tesseract import ocr_scan  # noqa: E402


def edit_distance(a: str, b: str) -> int:
    from rapidfuzz.distance import Levenshtein
    return Levenshtein.distance(a, b)


def iou(truth: list, found: list, scale: int = 4) -> float:
    """Intersection over union of two sets of boxes (x, y, w, h), on a grid of `scale` pixels."""
    def cells(boxes):
        out = set()
        for x, y, w, h in boxes:
            out.update((i, j) for i in range(x // scale, (x + w) // scale + 1) for j in range(y // scale, (y + h) // scale + 1))
        return out
    t, f = cells(truth), cells(found)
    return len(t & f) / max(1, len(t | f))


def squash(text: str) -> str:
    """Text without whitespace: OCR cannot give back a space printed between Han characters (the
    import drops what OCR puts there), so figures compare text without it."""
    return "".join(text.split())


def article_text(a: ScanArticle) -> str:
    return squash("".join([a.kicker, a.title, a.subtitle, a.byline] + [p.removeprefix("### ") for p in a.paragraphs]))


def draft_chars(d) -> str:
    return squash("".join(d.kicker + d.title + d.subtitle) + "".join(p.text for p in d.paras))


OCR_CACHE = os.environ.get("OCR_CACHE")  # a folder: OCR of a scan kept by its bytes' digest (tuning runs)


def cached_ocr(scan: Path) -> OcrPage:
    """Tesseract's reading of the scan; with OCR_CACHE set, read once per scan and kept there."""
    if not OCR_CACHE:
        return ocr_scan(scan)
    kept = Path(OCR_CACHE) / (hashlib.blake2b(scan.read_bytes(), digest_size=16).hexdigest() + ".pickle")
    if kept.exists():
        return pickle.loads(kept.read_bytes())
    ocr = ocr_scan(scan)
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(pickle.dumps(ocr))
    return ocr


SEED_PAGE = ROOT / "content" / "2024" / "02" / "02"  # the seed page's six articles, split by hand


def one_page(rng: random.Random, corpus, columns: int, folder: Path) -> tuple[list[ScanArticle], OcrPage, PageImport, str]:
    """A page of corpus articles (corpus: the 1946 articles), or of the seed page's (corpus=None)."""
    chosen = from_corpus(corpus, rng, 12) if corpus is not None else from_content(SEED_PAGE)
    for a in chosen:  # articles of a few paragraphs, so that a page holds several
        a.paragraphs = a.paragraphs[:rng.randint(2, 5)]
    page, printed = typeset(chosen, columns=columns, chars=rng.randint(11, 15), size=28,
                            lines_per_column=rng.randint(36, 48))
    scan = folder / f"page-{rng.random():.6f}.jpg"
    scan.write_bytes(damage(page, rng, printed, quality=rng.randint(70, 90)))
    ocr = cached_ocr(scan)
    text, where = page_text(ocr)
    result = parse_page(text)
    for d in result.articles:
        d.regions = regions_for(d.lines(), where)
    return printed, ocr, result, text


def measure(pages: int, seed: int, columns: int, seed_page: bool = False, verbose: bool = False) -> Counter:
    rng = random.Random(seed)
    corpus = None if seed_page else read_corpus()
    stats: Counter = Counter()
    ious: list[float] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(pages):
            printed, ocr, result, text = one_page(rng, corpus, columns, Path(tmp))
            truth_text = "".join(article_text(a) for a in printed)
            ocr_text = squash("".join(line.text for line in ocr.lines))
            stats["chars_true"] += len(truth_text)
            stats["char_errors"] += edit_distance(truth_text, ocr_text)
            out = Counter()
            for d in result.articles:
                out += visible(draft_chars(d))
            for f in result.furniture:
                out += visible(f["text"])
            stats["chars_lost"] += sum((page_characters(text) - out).values())
            stats["pages"] += 1
            stats["count_ok"] += len(result.articles) == len(printed)
            taken: set[int] = set()
            for a in printed:
                stats["articles"] += 1
                truth = article_text(a)
                scored = [(len(truth) - edit_distance(truth, draft_chars(d)), k) for k, d in enumerate(result.articles)
                          if k not in taken]
                best, k = max(scored, default=(0, -1))
                if k < 0 or best < 0.5 * len(truth):
                    ious.append(0.0)
                    if verbose:
                        print(f"missed (page {stats['pages']}): {a.title} | {a.byline} | {truth[:60]}…", file=sys.stderr)
                    continue
                taken.add(k)
                d = result.articles[k]
                stats["found"] += 1
                stats["head_ok"] += bool(d.title) and squash(d.title[0]) == squash(a.title)
                stats["rep_ok"] += tuple(d.reporters) == a.reporters
                if verbose and tuple(d.reporters) != a.reporters:
                    print(f"reporter (page {stats['pages']}): {a.title} | {a.reporters} | read {tuple(d.reporters)}", file=sys.stderr)
                ious.append(iou(a.boxes, d.regions))
    stats["seconds"] = time.perf_counter() - started
    stats["ious"] = ious  # type: ignore[assignment]
    return stats


def figures(stats: Counter) -> dict[str, object]:
    articles = max(stats["articles"], 1)
    ious = stats["ious"] or [0.0]
    return {"pages": stats["pages"], "true articles": stats["articles"],
            "OCR character error rate": stats["char_errors"] / max(stats["chars_true"], 1),
            "article count exact": stats["count_ok"] / max(stats["pages"], 1),
            "true articles found": stats["found"] / articles,
            "headline exact": stats["head_ok"] / articles, "reporter exact": stats["rep_ok"] / articles,
            "regions IoU, median article": statistics.median(ious),
            "regions IoU, worst article": min(ious),
            "characters lost": stats["chars_lost"], "s a page": stats["seconds"] / max(stats["pages"], 1)}


TARGETS = {"true articles found": "1.000", "regions IoU, median article": "≥ 0.9", "characters lost": "0"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=6, help="pages in each set (default 6)")
    parser.add_argument("--tune-seed", type=int, default=1)
    parser.add_argument("--held-out-seed", type=int, default=1001)
    parser.add_argument("--columns", type=int, default=6)
    parser.add_argument("--tuning-only", action="store_true", help="measure the tuning set only, and name the true articles missed and the reporters misread")
    args = parser.parse_args()
    if args.tuning_only:
        for key, value in figures(measure(args.pages, args.tune_seed, args.columns, verbose=True)).items():
            print(f"{key:32} {value:.3f}" if isinstance(value, float) else f"{key:32} {value}")
        return
    tuning = figures(measure(args.pages, args.tune_seed, args.columns))
    held = figures(measure(args.pages, args.held_out_seed, args.columns))
    seed = figures(measure(1, args.held_out_seed, args.columns, seed_page=True))  # held out too
    print(f"{'':32} {'tuning (seed ' + str(args.tune_seed) + ')':>18} {'held out (seed ' + str(args.held_out_seed) + ')':>22}"
          f" {'the seed page':>14}   target")
    for key in tuning:
        a, b, c = tuning[key], held[key], seed[key]
        fmt = (lambda v: f"{v:.3f}") if isinstance(a, float) else str
        print(f"{key:32} {fmt(a):>18} {fmt(b):>22} {fmt(c):>14}   {TARGETS.get(key, '')}")


if __name__ == "__main__":
    main()
