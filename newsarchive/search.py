"""The search index: Pagefind over the articles, with every Han character a word.

Pagefind does not segment Chinese, so a query would only match at the start of a run of Han
characters. Pagefind therefore reads, instead of the published pages, a record of each article
(`record`: its headline and text with every Han character standing apart, its details as
Pagefind metadata, filters and sort key), and search.js sends queries rewritten the same way as
exact phrases, so that search finds any substring, as find-in-page does.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import multiprocessing
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable

from .errors import BuildError, Problem
from .pagefind_files import canonicalize
from .urls import year_of
from .write import read_pickle, remove_abandoned_folders

HAN = r"\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Characters that are words of their own besides Han: × and ○ stand for withheld characters and zeros
# in old print (北平××小学, 二○四七), and Pagefind would otherwise drop them.
SYMBOLS = "×○"
OPENERS = "“‘「『（(【《〈〔［｛"
CLOSERS = "，。、；：！？…—·”’」』）)】》〉〕］｝,.;:!?)]}"
CJK_CLOSERS = "，。、；：！？…—·”’」』）】》〉〕］｝"
_OPEN = re.escape(OPENERS)
_CLOSE = re.escape(CLOSERS)
# A word break after each Han character (unless closing punctuation follows: it stays with the word
# before), before each Han character (unless opening punctuation precedes: it stays with the word
# after), and after closing CJK punctuation, so that punctuation never takes a position of its own
# in a phrase.
_HAN_BOUNDARY = re.compile(
    rf"(?<=[{HAN}{SYMBOLS}])(?=[^\s{_CLOSE}<])|(?<=[^\s{_OPEN}>])(?=[{HAN}{SYMBOLS}])"
    rf"|(?<=[{re.escape(CJK_CLOSERS)}])(?=[^\s{_CLOSE}<])")


_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_RAW_TEXT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)


def space_han(text: str) -> str:
    """Make every Han character a word of its own: 孔明灯，倡议 → 孔 明 灯， 倡 议."""
    return _HAN_BOUNDARY.sub(" ", text)


def index_copy(html: str) -> str:
    """The page as Pagefind should read it: text between tags spaced, tags and scripts untouched."""
    html = _RAW_TEXT.sub("", html)
    parts = _TAG_OR_TEXT.split(html)
    return "".join(part if i % 2 else space_han(part) for i, part in enumerate(parts))


def script_variants(chars: set[str]) -> dict[str, dict[str, str]]:
    """From OpenCC's data: for each character a reader may type, the form the archive uses.

    t2s maps a traditional character to its simplified form and s2t the reverse, each kept only
    where the archive holds the target, so that 哈爾濱 finds 哈尔滨 (and 哈尔滨 finds 哈爾濱).
    """
    import opencc
    every = "".join(chr(c) for c in range(0x3400, 0x4DC0)) + "".join(chr(c) for c in range(0x4E00, 0xA000))
    tables = {}
    for name in ("t2s", "s2t"):
        converted = opencc.OpenCC(name).convert(every)
        if len(converted) != len(every):  # a phrase rule changed the length: go character by character
            converter = opencc.OpenCC(name)
            converted = "".join(converter.convert(ch) or ch for ch in every)
        tables[name] = {a: b for a, b in zip(every, converted) if a != b and b in chars}
    return {name: dict(sorted(table.items())) for name, table in tables.items()}


def pagefind_executable() -> str:
    """The Pagefind binary shipped by the pagefind-bin package."""
    try:
        from pagefind_bin import get_executable
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise BuildError([Problem("pagefind", f"the pagefind-bin package is not installed ({exc})")])
    return str(get_executable())


UNUSED_FILES = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
                "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")
# What one Pagefind run may index, so that an edit anywhere re-indexes little: characters of article
# text (Pagefind 1.5.2 spends about 4 µs of CPU and 0.4 KB of memory a character of these
# per-character records: 1 M characters, some 600 articles, are ~4 s and ~400 MB). A year within
# it is one shard; a year over it is a shard a month, and a month over it a shard a third of a
# month (days 1–10, 11–20, 21–).
SHARD_CHARACTERS = 1_000_000
RECORDS_PREFIX = "newsarchive-index-"  # + pid: a shard's records while Pagefind reads them


def record(article, issue, language: str) -> str:
    """What Pagefind reads for an article (not the published page): its headline and text, every
    Han character a word, and its details as Pagefind metadata, filters and sort key. Built from
    the model, so a shard can be indexed again without reading or keeping any page."""
    return index_copy(record_page(article, issue, language))


def record_page(article, issue, language: str) -> str:
    """An article's record before its Han characters are spaced (`index_copy` does that)."""
    e = html.escape
    meta = [("title", article.title), ("kicker", article.kicker), ("subtitle", article.subtitle),
            ("date", article.date.isoformat()), ("section", article.section), ("page", str(article.page or "")),
            ("reporter", "、".join(article.reporters)), ("paper", issue.paper)]
    head = [f'<meta data-pagefind-meta="{key}[content]" content="{e(value)}">' for key, value in meta
            if value or key in ("page", "reporter", "paper")]
    sort = f"{article.date.isoformat()}/{article.page or 0:03d}/{article.order or 0:04d}"
    head.append(f'<meta data-pagefind-sort="date[content]" content="{sort}">')
    # day: for a date range (the search page asks for the days of the range a shard covers)
    filters = [("section", article.section), ("year", year_of(article.date)), ("day", article.date.isoformat())]
    filters += [("reporter", name) for name in article.reporters] + [("topic", name) for name in article.topics]
    head += [f'<meta data-pagefind-filter="{key}[content]" content="{e(value)}">' for key, value in filters]
    top = "".join([f'<p class="kicker">{e(article.kicker)}</p>' if article.kicker else "", f"<h1>{e(article.title)}</h1>",
                   f'<p class="subtitle">{e(article.subtitle)}</p>' if article.subtitle else "",
                   f'<p class="byline">记者 {e("、".join(article.reporters))}</p>' if article.byline_missing else ""])
    page = (f'<!doctype html><html lang="{e(language)}"><head><meta charset="utf-8">{"".join(head)}</head>'
            f"<body><div data-pagefind-body>{top}{_ID.sub(_KEEP_TAG, article.body_html)}</div></body></html>")
    return page


# Pagefind copies the text of every element with an id into the record's anchors (for sub-results,
# which the search page does not show): without the paragraphs' ids (p1, p2…) it does not, and the
# index is 5 % smaller.
_ID = re.compile(r'(<[a-zA-Z][^<>]*?) id="[^"]*"')
_KEEP_TAG = r"\1"


def record_digest(article, issue, language: str, code: str) -> str:
    """A digest of everything `record` shows (the article's file and details, its issue's paper),
    taken without making the record: whether a shard must be indexed again is known cheaply."""
    shown = repr((article.title, article.kicker, article.subtitle, article.reporters, article.date, article.section,
                  article.page, article.order, article.topics, article.byline_missing, issue.paper, language, code))
    return hashlib.blake2b(f"{article.digest or repr(article)}\0{shown}".encode("utf-8"), digest_size=16).hexdigest()


ROUTER_BUCKET_BYTES = 8000
ROUTER_FORMAT = 1  # of the router's state in the cache
_BODY = re.compile(r"data-pagefind-body[^>]*>(.*)</", re.S)
_TAG = re.compile(r"<[^>]*>|&[a-z]+;|&#\d+;")


def body_text(html: str) -> str:
    """The text of a page's data-pagefind-body, without tags."""
    m = _BODY.search(html)
    return _TAG.sub(" ", m.group(1) if m else html)


_HAN_RUN = re.compile(f"[{HAN}]+")


def route_keys(texts: Iterable[str]) -> set[str]:
    """Han characters, and pairs of Han characters adjacent once whitespace is removed, of the texts.

    The runs of Han characters are joined with NUL between them and the pairs read as 64-bit
    words of its UTF-32 form (at two offsets, so every adjacent pair), without making a string
    per pair: 0.09 s instead of 0.15 s for a shard of 850 articles."""
    runs = "\0".join(run for text in texts for run in _HAN_RUN.findall("".join(text.split())))
    keys = set(runs)
    keys.discard("\0")
    little = sys.byteorder == "little"
    wide = memoryview(runs.encode("utf-32-le" if little else "utf-32-be"))
    pairs = set(wide[:len(wide) // 8 * 8].cast("Q"))
    pairs.update(wide[4:4 + (len(wide) - 4) // 8 * 8].cast("Q"))
    for p in pairs:
        first, second = (p & 0xFFFFFFFF, p >> 32) if little else (p >> 32, p & 0xFFFFFFFF)
        if first and second:  # not across a NUL
            keys.add(chr(first) + chr(second))
    return keys


def keys_of(joined: str) -> list[str]:
    """Router keys from their NUL-joined form (how a shard's keys travel and are kept)."""
    return joined.split("\0") if joined else []


def route_bucket(key: str, buckets: int) -> int:
    """The router file of a key; search.js computes the same."""
    h = 0
    for ch in key:
        h = (h * 31 + ord(ch)) % 1000003
    return h % buckets


def shard_keys(articles) -> dict[str, str]:
    """Article source → its search index: 'YYYY', 'YYYY-MM' or 'YYYY-MM-1' (to '-3'), sized by what
    indexing them costs (the characters of their text, SHARD_CHARACTERS at most where a period
    allows it).

    Shards keep Pagefind's time and memory bounded and let an edit re-index one period only; a
    year's boundaries never move when other years change, nor a month's when other months do.
    Their names sort in date order.
    """
    cost_of_year, cost_of_month = Counter(), Counter()
    for a in articles:
        cost = len(a.title) + len(a.body_html)
        cost_of_year[a.date.year] += cost
        cost_of_month[a.date.year, a.date.month] += cost
    keys = {}
    for a in articles:
        if cost_of_year[a.date.year] <= SHARD_CHARACTERS:
            keys[a.source] = year_of(a.date)
        elif cost_of_month[a.date.year, a.date.month] <= SHARD_CHARACTERS:
            keys[a.source] = a.date.isoformat()[:7]
        else:
            keys[a.source] = f"{a.date.isoformat()[:7]}-{min(3, 1 + (a.date.day - 1) // 10)}"
    return keys


# shard → (page, record_page) of each of its articles: the indexing process spaces the record (see
# `record`) and takes the router keys from it unspaced (the same keys, without splitting ~700 words
# an article to remove the spaces again)
Records = Callable[[str], Iterable[tuple[str, str]]]
_RECORDS: Records | None = None  # inherited by the indexing processes (fork)


class SearchIndexer:
    """One Pagefind index per shard, each re-made only when a record in it changed.

    Every article is `add`ed with the digest of its record (what Pagefind would read, see
    `record`); a shard's input hash covers them all. A shard whose hash is the one of the last
    build keeps its bundle where it is in the site; the others are indexed again, in parallel
    processes, each writing its records to a scratch folder (in memory where /dev/shm allows) for
    Pagefind to read. Each bundle and its router keys are kept in the cache by input hash, so that
    the same records always give the same bytes (Pagefind alone does not, its issue #638).
    """

    def __init__(self, cache: Path | None = None, jobs: int = 2):  # jobs: shards indexed at once
        self.cache = cache
        self.jobs = max(1, jobs)
        self.count = 0
        self.digests: dict[str, dict[str, str]] = {}  # shard → page → record digest
        self.dates: dict[str, list[str]] = {}  # shard → first and last date
        # shard → the Han characters and pairs of its article texts, joined by NUL (as one string
        # each, not a set: at 100k, 125 sets of their own copies of the same keys took 700 MB)
        self.keys: dict[str, str] = {}
        self._kept: dict[str, Path] = {}  # shard → its keys in the cache (read only if the router needs them)
        self.reused = 0
        self.hashes: dict[str, str] = {}  # shard → input hash, once built
        # shard → its input hash and the Pagefind run that made its bundle: stands for the digest
        # of each of the bundle's files (two runs over the same records differ, issue #638)
        self.versions: dict[str, str] = {}
        # shard → its keys in the last build (NUL-joined), for the few shards indexed again: the
        # router takes their bits out of just those keys, not out of every key of every bucket
        self.old_keys: dict[str, str] = {}

    def add(self, rel: str, shard: str, date: str, digest: str) -> None:
        self.digests.setdefault(shard, {})[rel] = digest
        span = self.dates.setdefault(shard, [date, date])
        span[0], span[1] = min(span[0], date), max(span[1], date)
        self.count += 1

    def input_hash(self, shard: str) -> str:
        digest = hashlib.sha256(f"{pagefind_executable()}\0{SYMBOLS}\0{UNUSED_FILES}\0{shard}\n".encode())
        for rel, value in sorted(self.digests[shard].items()):
            digest.update(f"{rel}\0{value}\n".encode())
        return digest.hexdigest()[:20]

    def shards(self) -> list[dict]:
        """The shard list the search page reads (pagefind/shards.json), newest first."""
        return [{"id": shard, "path": f"{shard}/", "pages": len(self.digests[shard]),
                 "first": self.dates[shard][0], "last": self.dates[shard][1]}
                for shard in sorted(self.digests, reverse=True)]

    def router(self, hashes: dict[str, str], state: dict | None) -> tuple[dict[str, str], set[str], dict]:
        """The shard router: for every Han character and pair of adjacent Han characters of the
        articles, the shards that hold it, as a bit set (bit n: the shard in slot n of router.json;
        slots in date order), in buckets by a hash the search page computes too. A query is only
        sent to the shards holding all its pairs: a word found nowhere costs a few kilobytes.

        Updated from the last build's `state`: only the shards whose input hash changed are taken
        out and put back, and only the buckets whose keys changed are written again; the files are
        those a clean build would write. Returns the files (name → JSON) that changed, the names of
        all router files, and the state for the next build."""
        order = sorted(hashes)
        slot_of = {shard: n for n, shard in enumerate(order)}
        if (state is None or state.get("format") != ROUTER_FORMAT
                or any(slot_of[shard] != n for shard, n in state["slots"].items() if shard in slot_of)):
            # new, or a shard added or gone before others: slots move, so everything is made again
            state = {"format": ROUTER_FORMAT, "slots": {}, "hashes": {}, "chars": {}, "tables": [], "lengths": [0, 0, 0]}
        slots, tables, lengths = state["slots"], state["tables"], state["lengths"]
        mask, add, taken_out = 0, {}, []
        for shard in [shard for shard in slots if shard not in slot_of]:  # gone (after all the others)
            mask |= 1 << slots.pop(shard)
            state["chars"].pop(shard, None)
            taken_out.append(shard)
        for n, shard in enumerate(order):
            if slots.get(shard) == n and state["hashes"].get(shard) == hashes[shard]:
                continue
            if shard in slots:
                mask |= 1 << n
                taken_out.append(shard)
            slots[shard] = n
            keys = keys_of(self.keys[shard] if shard in self.keys else read_pickle(self._kept[shard], ""))
            for key in keys:
                add[key] = add.get(key, 0) | (1 << n)
            state["chars"][shard] = {k for k in keys if len(k) == 1}
        state["hashes"] = dict(hashes)
        changed: set[int] = set()
        before: dict[tuple[int, str], int] = {}  # (bucket, key) → its bits before the shards were taken out
        if mask:
            if all(shard in self.old_keys for shard in taken_out):  # only the keys the shards had
                hits: dict[int, set[str]] = {}
                for shard in taken_out:
                    for key in keys_of(self.old_keys[shard]):
                        hits.setdefault(route_bucket(key, len(tables)), set()).add(key)
            else:  # every key of every bucket
                hits = {n: set(table) for n, table in enumerate(tables)}
            for n, keys in hits.items():
                table = tables[n]
                for key in keys:
                    bits = table.get(key, 0)
                    if not bits & mask:
                        continue
                    before[n, key] = bits  # changed only if the key ends up otherwise (see below)
                    if bits & ~mask:
                        table[key] = bits & ~mask
                    else:
                        del table[key]
                        lengths[len(key)] -= 1
        digits = (len(order) + 3) // 4
        counts = list(lengths)  # keys by length, once the new ones are in
        for key in add:
            if not tables or key not in tables[route_bucket(key, len(tables))]:
                counts[len(key)] += 1
        size = sum(count * (n * 3 + digits + 6) for n, count in enumerate(counts))
        buckets = 1
        while size / buckets > ROUTER_BUCKET_BYTES and buckets < 4096:
            buckets *= 2
        if buckets != len(tables):  # every key moves
            keys = {key: bits for table in tables for key, bits in table.items()}
            tables[:] = [{} for _ in range(buckets)]
            for key, bits in keys.items():
                tables[route_bucket(key, buckets)][key] = bits
            changed = set(range(buckets))
        for key, bits in add.items():
            n = route_bucket(key, buckets)
            table = tables[n]
            old = table.get(key, 0)
            if not old:
                lengths[len(key)] += 1
            if old | bits != old:
                table[key] = old | bits
                if (n, key) not in before:
                    changed.add(n)
        # a shard indexed again puts back most of its keys as they were: only buckets that end up
        # otherwise are written again
        changed.update(n for (n, key), bits in before.items() if n < len(tables) and tables[n].get(key, 0) != bits)
        meta = json.dumps({"buckets": buckets, "slots": order}, ensure_ascii=False, separators=(",", ":"))
        files = {"router.json": meta}
        for n in sorted(changed):
            if tables[n]:
                files[f"router/{n}.json"] = json.dumps({k: format(v, "x") for k, v in sorted(tables[n].items())},
                                                       ensure_ascii=False, separators=(",", ":"))
        names = {"router.json"} | {f"router/{n}.json" for n in range(buckets) if tables[n]}
        return files, names, state

    @staticmethod
    def chars(state: dict) -> set[str]:
        """Every Han character the index holds (from the router's state)."""
        return set().union(*state["chars"].values())

    def build(self, bundle: Path, previous: dict[str, str], records: Records,
              progress: Callable[[int, int], None] | None = None) -> dict[str, bool]:
        """Write under `bundle` (a folder of the writer's, `bundle/<shard>/`) the Pagefind bundle of
        every shard whose input hash is not the one in `previous` (the last build's, in the site).
        Returns, per shard, whether its bundle was written. `progress(done, total)`: articles of
        the shards indexed again, as each shard is done."""
        global _RECORDS
        hashes = self.hashes = {shard: self.input_hash(shard) for shard in sorted(self.digests)}
        written, todo = {}, []
        for shard, digest in hashes.items():
            cached = self.cache / f"pagefind-{shard}-{digest}" if self.cache is not None else None
            if cached is not None and (cached / ".complete").exists():
                self._kept[shard] = cached / "keys.pickle"
                self.versions[shard] = f"{digest}-{(cached / '.complete').read_text()}"
                self.reused += 1
                written[shard] = previous.get(shard) != digest
                if written[shard]:
                    link_tree(cached / "bundle", bundle / shard)
            else:
                todo.append(shard)
                written[shard] = True
        if self.cache is not None:
            remove_abandoned_folders(self.cache, ".pagefind-")  # left by a build killed while indexing
        remove_abandoned_folders(scratch_parent(self.cache), RECORDS_PREFIX)
        _RECORDS = records
        todo.sort(key=lambda shard: -len(self.digests[shard]))  # the largest first: no long one left alone at the end
        total, done = sum(len(self.digests[shard]) for shard in todo), 0
        try:
            jobs = min(self.jobs, len(todo))
            work = [(shard, hashes[shard], bundle / shard, self.cache) for shard in todo]
            with multiprocessing.get_context("fork").Pool(jobs) if jobs > 1 else contextlib.nullcontext() as pool:
                for shard, (keys, run) in pool.imap_unordered(_index_job, work) if pool else map(_index_job, work):
                    self.keys[shard] = keys
                    self.versions[shard] = f"{hashes[shard]}-{run}"
                    done += len(self.digests[shard])
                    if progress:
                        progress(done, total)
        finally:
            _RECORDS = None
        self.keep_old_keys(previous)
        if self.cache is not None:
            keep = {f"pagefind-{shard}-{digest}" for shard, digest in hashes.items()}
            for old in self.cache.glob("pagefind-*"):
                if old.name not in keep:
                    shutil.rmtree(old, ignore_errors=True)
        return written


    OLD_KEYS_AT_MOST = 8  # shards indexed again whose old keys are read (more: the router scans every key)

    def keep_old_keys(self, previous: dict[str, str]) -> None:
        """The last build's keys of the shards indexed again or gone, read from their old bundles in
        the cache before these are removed (when only a few changed: a full rebuild reads none)."""
        replaced = [shard for shard, digest in previous.items() if self.hashes.get(shard) != digest]
        if self.cache is None or len(replaced) > self.OLD_KEYS_AT_MOST:
            return
        for shard in replaced:
            keys = read_pickle(self.cache / f"pagefind-{shard}-{previous[shard]}" / "keys.pickle")
            if isinstance(keys, str):
                self.old_keys[shard] = keys


def scratch_parent(cache: Path | None) -> Path:
    """Where records wait for Pagefind: in memory (/dev/shm) when it has room, else the cache."""
    shm = Path("/dev/shm")
    try:
        if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 256 * 2 ** 20:
            return shm
    except OSError:
        pass
    return cache if cache is not None else Path(tempfile.gettempdir())


def _index_job(job: tuple) -> tuple[str, tuple[str, str]]:
    return job[0], _index_shard(*job)


def _index_shard(shard: str, digest: str, dest: Path, cache: Path | None) -> tuple[str, str]:
    """Pagefind over the records of one shard (in an indexing process), its bundle written to
    `dest`, by way of the cache when there is one (pagefind-<shard>-<input hash>: Pagefind does
    not write the same bytes twice, issue #638); returns the shard's router keys (joined by NUL)
    and a token of this Pagefind run."""
    folder = Path(tempfile.mkdtemp(prefix=f"{RECORDS_PREFIX}{os.getpid()}-", dir=scratch_parent(cache)))
    try:
        texts, made = [], set()
        for rel, page in _RECORDS(shard):
            path = folder / rel
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            path.write_text(index_copy(page), encoding="utf-8")
            texts.append(body_text(page))
        keys = "\0".join(route_keys(texts))
        del texts
        run = os.urandom(8).hex()
        if cache is None:
            run_pagefind(folder, dest)
            return keys, run
        fresh = Path(tempfile.mkdtemp(prefix=f".pagefind-{os.getpid()}-", dir=cache))
        run_pagefind(folder, fresh / "bundle")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    (fresh / "keys.pickle").write_bytes(pickle.dumps(keys, protocol=pickle.HIGHEST_PROTOCOL))
    (fresh / ".complete").write_text(run)
    cached = cache / f"pagefind-{shard}-{digest}"
    shutil.rmtree(cached, ignore_errors=True)
    os.rename(fresh, cached)
    link_tree(cached / "bundle", dest)
    return keys, run


def run_pagefind(site: Path, bundle: Path) -> None:
    command = [pagefind_executable(), "--site", str(site), "--output-path", str(bundle),
               "--keep-index-url", "--include-characters", SYMBOLS, "--silent"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError([Problem("pagefind", f"indexing failed (exit {result.returncode}): "
                                  f"{(result.stderr or result.stdout).strip()[-2000:]}")])
    for name in UNUSED_FILES:  # Pagefind's own search interfaces: the archive has its own
        (bundle / name).unlink(missing_ok=True)
    canonicalize(bundle)  # the same bytes for the same records, whatever the run


def link_tree(source: Path, dest: Path) -> None:
    """Hard-link (or, across file systems, copy) every file of source into dest."""
    for dirpath, _, files in os.walk(source):
        target = dest / os.path.relpath(dirpath, source)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            try:
                os.link(os.path.join(dirpath, name), target / name)
            except OSError:
                shutil.copy2(os.path.join(dirpath, name), target / name)
