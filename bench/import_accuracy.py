"""How well `build.py import` reads damaged pages: composed from the 1946 corpus, truth known.

    python bench/import_accuracy.py [--pages 200] [--tune-seed 1] [--held-out-seed 1001] [--show N]

Two sets of composed pages: one to tune the importer on (--show prints its misses), and a held-out
one that is only measured — a rule that helps the first and not the second is overfitting. Seeds
below 1000 are for tuning, 1000 and above held out. Prints, for each, article-count accuracy,
headline and reporter exact-match rates, sentence-level assignment precision/recall/F1, the share
of true paragraphs reproduced exactly, the share of perfect articles, and characters lost.
Targets (issue 17, held-out set): headline and reporter ≥ 0.98, sentence F1 ≥ 0.995, paragraphs
exact ≥ 0.98, perfect articles ≥ 0.93, zero characters lost.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.compose import Truth, compose_page  # noqa: E402
from bench.corpus import read_corpus  # noqa: E402
from newsarchive.errors import BuildError  # noqa: E402
from newsarchive.importer import Draft, page_characters, parse_page, visible  # noqa: E402


def sentences(paragraphs: list[str]) -> Counter:
    out = Counter()
    for p in paragraphs:
        for s in re.split(r"(?<=[。！？])", p.removeprefix("### ")):
            if s.strip():
                out[s.strip()] += 1
    return out


def draft_paragraphs(d: Draft) -> list[str]:
    return [("### " + p.text) if p.kind == "h3" else p.text for p in d.paras]


def match(truths: list[Truth], drafts: list[Draft]) -> list[Draft | None]:
    """Each true article's output article: the one holding most of its sentences."""
    out = []
    for t in truths:
        ts = sentences(t.paragraphs)
        best = max(drafts, key=lambda d: sum((ts & sentences(draft_paragraphs(d))).values()), default=None)
        out.append(best)
    return out


def measure(pages: int, seed: int, show: int = 0) -> Counter:
    """The figures of `pages` pages composed from one seed; the first `show` misses printed."""
    rng = random.Random(seed)
    corpus = read_corpus()
    by_page: dict[tuple, list] = {}
    for a in corpus:
        by_page.setdefault((a.date, a.page), []).append(a)
    groups = [v for v in by_page.values() if len(v) >= 2]
    stats = Counter()
    shown = 0
    started = time.perf_counter()
    for n in range(pages):
        group = rng.choice(groups)
        chosen = rng.sample(group, min(len(group), rng.randint(3, 7)))
        text, truths = compose_page(chosen, rng)
        try:
            result = parse_page(text)
        except BuildError as exc:
            stats["pages_failed"] += 1
            print(f"page {n}: {exc}", file=sys.stderr)
            continue
        drafts = result.articles
        stats["pages"] += 1
        stats["count_ok"] += len(drafts) == len(truths)
        out_chars = Counter()
        for d in drafts:
            out_chars += visible("".join(d.kicker + d.title + d.subtitle) + "".join(p.text for p in d.paras))
        for f in result.furniture:
            out_chars += visible(f["text"])
        stats["chars_lost"] += sum((page_characters(text) - out_chars).values())
        for t, d in zip(truths, match(truths, drafts)):
            stats["articles"] += 1
            ts = sentences(t.paragraphs)
            ds = sentences(draft_paragraphs(d)) if d else Counter()
            stats["sent_true"] += sum(ts.values())
            stats["sent_found"] += sum((ts & ds).values())
            stats["sent_out"] += sum(ds.values())
            head_ok = d is not None and ((d.kicker or [""])[0], d.title[0], (d.subtitle or [""])[0]) == (t.kicker, t.title, t.subtitle)
            rep_ok = d is not None and tuple(d.reporters) == t.reporters
            paras = draft_paragraphs(d) if d else []
            stats["para_true"] += len(t.paragraphs)
            stats["para_exact"] += sum(1 for p in t.paragraphs if p in paras)
            stats["head_ok"] += head_ok
            stats["rep_ok"] += rep_ok
            perfect = head_ok and rep_ok and paras == t.paragraphs
            stats["perfect"] += perfect
            if not perfect and shown < show:
                shown += 1
                print(f"--- page {n}: truth {t.kicker!r} {t.title!r} {t.subtitle!r} {t.reporters}")
                if d:
                    print(f"    got   {d.kicker} {d.title} {d.subtitle} {d.reporters}")
                    for p in t.paragraphs:
                        if p not in paras:
                            print("    missing:", p[:60])
                    for p in paras:
                        if p not in t.paragraphs:
                            print("    extra:  ", p[:60])
    stats["seconds"] = time.perf_counter() - started
    return stats


def figures(stats: Counter) -> dict[str, float]:
    precision = stats["sent_found"] / max(stats["sent_out"], 1)
    recall = stats["sent_found"] / max(stats["sent_true"], 1)
    articles = max(stats["articles"], 1)
    return {"pages imported": stats["pages"], "pages failed": stats["pages_failed"], "true articles": stats["articles"],
            "article count exact": stats["count_ok"] / max(stats["pages"], 1),
            "headline exact": stats["head_ok"] / articles, "reporter exact": stats["rep_ok"] / articles,
            "sentence precision": precision, "sentence recall": recall,
            "sentence F1": 2 * precision * recall / max(precision + recall, 1e-9),
            "paragraphs exact": stats["para_exact"] / max(stats["para_true"], 1),
            "perfect articles": stats["perfect"] / articles, "characters lost": stats["chars_lost"],
            "ms a page": 1000 * stats["seconds"] / max(stats["pages"] + stats["pages_failed"], 1)}


TARGETS = {"headline exact": "≥ 0.98", "reporter exact": "≥ 0.98", "sentence F1": "≥ 0.995",
           "paragraphs exact": "≥ 0.98", "perfect articles": "≥ 0.93", "characters lost": "0"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=200, help="pages in each set (default 200)")
    parser.add_argument("--tune-seed", type=int, default=1, help="seed of the tuning set (below 1000)")
    parser.add_argument("--held-out-seed", type=int, default=1001, help="seed of the held-out set (1000 and above)")
    parser.add_argument("--show", type=int, default=0, help="print the first N imperfect articles of the tuning set")
    args = parser.parse_args()
    if args.tune_seed >= 1000 or args.held_out_seed < 1000:
        parser.error("tuning seeds are below 1000, held-out seeds 1000 and above")
    tuning = figures(measure(args.pages, args.tune_seed, args.show))
    held_out = figures(measure(args.pages, args.held_out_seed))
    print(f"{'':22} {'tuning (seed ' + str(args.tune_seed) + ')':>20} {'held out (seed ' + str(args.held_out_seed) + ')':>22}   target")
    for key in tuning:
        a, b = tuning[key], held_out[key]
        shown = (lambda v: f"{v:.4f}") if key.startswith("sentence") else (lambda v: f"{v:.3f}" if isinstance(v, float) else str(v))
        if key == "ms a page":
            shown = lambda v: f"{v:.1f}"  # noqa: E731
        print(f"{key:22} {shown(a):>20} {shown(b):>22}   {TARGETS.get(key, '')}")


if __name__ == "__main__":
    main()
