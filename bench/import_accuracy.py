"""How well `build.py import` reads damaged pages: composed from the 1946 corpus, truth known.

    python bench/import_accuracy.py [--pages 120] [--seed 1] [--show N]

Prints article-count accuracy, headline and reporter exact-match rates, sentence-level assignment
precision/recall/F1, the share of true paragraphs reproduced exactly, the share of perfect
articles, and characters lost. Targets (issue 3): headline and reporter ≥ 0.97, sentence F1 ≥
0.995, paragraphs exact ≥ 0.97, perfect articles ≥ 0.90, zero characters lost.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=0, help="print the first N imperfect articles")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    corpus = read_corpus()
    by_page: dict[tuple, list] = {}
    for a in corpus:
        by_page.setdefault((a.date, a.page), []).append(a)
    groups = [v for v in by_page.values() if len(v) >= 2]
    stats = Counter()
    shown = 0
    started = time.perf_counter()
    for n in range(args.pages):
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
        matched = match(truths, drafts)
        for t, d in zip(truths, matched):
            stats["articles"] += 1
            ts = sentences(t.paragraphs)
            ds = sentences(draft_paragraphs(d)) if d else Counter()
            stats["sent_true"] += sum(ts.values())
            stats["sent_found"] += sum((ts & ds).values())
            stats["sent_out"] += sum(ds.values())
            head_ok = d is not None and ((d.kicker or [""])[0], d.title[0], (d.subtitle or [""])[0]) == (t.kicker, t.title, t.subtitle)
            rep_ok = d is not None and tuple(d.reporters) == t.reporters
            paras = draft_paragraphs(d) if d else []
            exact = sum(1 for p in t.paragraphs if p in paras)
            stats["para_true"] += len(t.paragraphs)
            stats["para_exact"] += exact
            stats["head_ok"] += head_ok
            stats["rep_ok"] += rep_ok
            perfect = head_ok and rep_ok and paras == t.paragraphs
            stats["perfect"] += perfect
            if not perfect and shown < args.show:
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
    seconds = time.perf_counter() - started
    precision = stats["sent_found"] / max(stats["sent_out"], 1)
    recall = stats["sent_found"] / max(stats["sent_true"], 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    print(f"pages composed        {args.pages} (seed {args.seed}); imported {stats['pages']}, failed {stats['pages_failed']}")
    print(f"true articles         {stats['articles']}")
    print(f"article count exact   {stats['count_ok'] / max(stats['pages'], 1):.3f}")
    print(f"headline exact        {stats['head_ok'] / max(stats['articles'], 1):.3f}   (target ≥ 0.97)")
    print(f"reporter exact        {stats['rep_ok'] / max(stats['articles'], 1):.3f}   (target ≥ 0.97)")
    print(f"sentence precision    {precision:.4f}")
    print(f"sentence recall       {recall:.4f}")
    print(f"sentence F1           {f1:.4f}  (target ≥ 0.995)")
    print(f"paragraphs exact      {stats['para_exact'] / max(stats['para_true'], 1):.3f}   (target ≥ 0.97)")
    print(f"perfect articles      {stats['perfect'] / max(stats['articles'], 1):.3f}   (target ≥ 0.90)")
    print(f"characters lost       {stats['chars_lost']}   (target 0)")
    print(f"time                  {seconds:.2f} s ({1000 * seconds / max(args.pages, 1):.1f} ms a page)")


if __name__ == "__main__":
    main()
