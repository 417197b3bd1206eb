"""The search index: Pagefind over the article pages, with every Han character a word.

Pagefind does not segment Chinese, so a query would only match at the start of a run of Han
characters. Indexing a copy of each article page in which every Han character stands apart,
and sending queries rewritten the same way as exact phrases (static/search.js), makes search
find any substring, as find-in-page does. Only the text of the `data-pagefind-body` element
and the attributes of the page feed the index.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import BuildError, Problem
from .urls import output_file
from .write import read_pickle, write_atomically

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


INDEX_STATE = "index-state.pickle"
UNUSED_FILES = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
                "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")
SHARD_LIMIT = 3000  # articles in one index: a year, or a month where a year holds more


ROUTER_BUCKET_BYTES = 8000
_BODY = re.compile(r"data-pagefind-body[^>]*>(.*)</", re.S)
_TAG = re.compile(r"<[^>]*>|&[a-z]+;|&#\d+;")


def body_text(html: str) -> str:
    """The text of a page's data-pagefind-body, without tags."""
    m = _BODY.search(html)
    return _TAG.sub(" ", m.group(1) if m else html)


_HAN_RUN = re.compile(f"[{HAN}]+")


def route_keys(text: str, keys: set[str] | None = None) -> set[str]:
    """Han characters and pairs of Han characters adjacent once whitespace is removed (added to `keys`)."""
    keys = set() if keys is None else keys
    for run in _HAN_RUN.findall("".join(text.split())):
        keys.update(run)
        keys.update(map(str.__add__, run[:-1], run[1:]))
    return keys


def route_bucket(key: str, buckets: int) -> int:
    """The router file of a key; search.js computes the same."""
    h = 0
    for ch in key:
        h = (h * 31 + ord(ch)) % 1000003
    return h % buckets


def shard_keys(articles) -> dict[str, str]:
    """Article source → its search index: 'YYYY', or 'YYYY-MM' for a year of more than SHARD_LIMIT.

    Shards keep Pagefind's memory bounded and let an edit re-index one period only; a year's
    boundaries never move when other years change.
    """
    per_year = Counter(a.date.year for a in articles)
    return {a.source: (f"{a.date:%Y-%m}" if per_year[a.date.year] > SHARD_LIMIT else f"{a.date:%Y}") for a in articles}


class SearchIndexer:
    """Collects index copies of searchable pages per shard, then runs Pagefind over each shard.

    Pagefind writes its filter and metadata indexes in a different order on every run (its issue
    #638), and indexing is the slowest step, so each shard's bundle is kept in a cache keyed by a
    hash of everything it reads: a shard whose pages did not change is reused, byte for byte.
    The index copies themselves are kept in the cache too (index/<shard>/), so that re-indexing a
    shard after an edit writes the copies of the changed pages only.
    """

    def __init__(self, cache: Path | None = None, jobs: int = 2):  # jobs: Pagefind runs at once
        self.cache = cache
        self.jobs = max(1, jobs)
        self.count = 0
        self.digests: dict[str, dict[str, str]] = {}  # shard → index copy → digest
        self.dates: dict[str, list[str]] = {}  # shard → first and last date
        self.chars: dict[str, set[str]] = {}  # shard → the Han characters its index holds
        self.keys: dict[str, set[str]] = {}  # shard → the Han characters and pairs of its article texts
        self.known: dict[str, set[str]] = {}  # shard → kept pages whose copies are not in the folder (yet)
        self.reused = 0
        self.on_disk: dict[str, dict[str, str]] = {}  # shard → copy → digest, of the copies in self.folder
        if cache is None:
            self.folder = Path(tempfile.mkdtemp(prefix="newsarchive-index-"))
        else:
            self.folder = cache / "index"
            state = cache / INDEX_STATE
            self.on_disk = read_pickle(state, {})  # none, or damaged: every copy is made again
            state.unlink(missing_ok=True)  # written again once the copies are all known (a killed build: none)

    def add(self, site_path: str, html: str, shard: str, date: str) -> None:
        rel = output_file(site_path)
        data = index_copy(html).encode("utf-8")
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        if self.on_disk.get(shard, {}).get(rel) != digest:
            path = self.folder / shard / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        self.digests.setdefault(shard, {})[rel] = digest
        self._date(shard, date)
        self.count += 1

    def add_known(self, rel: str, shard: str, date: str, digest: str) -> None:
        """A page kept from the last build: its copy is made (from the page) only if its shard is
        re-indexed and the copy is not there already."""
        self.digests.setdefault(shard, {})[rel] = digest
        if self.on_disk.get(shard, {}).get(rel) != digest:
            self.known.setdefault(shard, set()).add(rel)
        self._date(shard, date)
        self.count += 1

    def _date(self, shard: str, date: str) -> None:
        span = self.dates.setdefault(shard, [date, date])
        span[0], span[1] = min(span[0], date), max(span[1], date)

    @property
    def all_chars(self) -> set[str]:
        """Every Han character the index holds."""
        return set().union(*self.chars.values())

    def page_digests(self) -> dict[str, str]:
        """Index copy digest of every page, for the next build's add_known."""
        return {rel: d for digests in self.digests.values() for rel, d in digests.items()}

    def take(self) -> dict:
        """What was added here (in a worker process), to merge into the main process's indexer."""
        return {"digests": self.digests, "dates": self.dates, "count": self.count}

    def merge(self, part: dict) -> None:
        if part["digests"] is self.digests:  # rendered in this very process
            return
        for shard, digests in part["digests"].items():
            self.digests.setdefault(shard, {}).update(digests)
        for shard, (first, last) in part["dates"].items():
            span = self.dates.setdefault(shard, [first, last])
            span[0], span[1] = min(span[0], first), max(span[1], last)
        self.count += part["count"]

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

    def router(self) -> dict[str, str]:
        """The shard router: file name → JSON. For every Han character and pair of adjacent Han
        characters of the articles, the shards that hold it, as a bit set (shards in shards.json
        order), in buckets by a hash the search page computes too. A query is only sent to the
        shards holding all its pairs: a word found nowhere costs a few kilobytes, not the archive."""
        order = sorted(self.keys, reverse=True)
        where: dict[str, int] = {}
        for i, shard in enumerate(order):
            for key in self.keys[shard]:
                where[key] = where.get(key, 0) | (1 << i)
        size = sum(len(k) * 3 + (len(order) + 3) // 4 + 6 for k in where)
        buckets = 1
        while size / buckets > ROUTER_BUCKET_BYTES and buckets < 4096:
            buckets *= 2
        files: dict[int, dict[str, str]] = {}
        for key, bits in where.items():
            files.setdefault(route_bucket(key, buckets), {})[key] = format(bits, "x")
        meta = {"buckets": buckets, "shards": len(order)}
        out = {"router.json": json.dumps(meta)}
        for n, table in files.items():
            out[f"router/{n}.json"] = json.dumps(dict(sorted(table.items())), ensure_ascii=False, separators=(",", ":"))
        return out

    def build(self, bundle: Path, previous: dict[str, str] | None = None, load=None) -> dict[str, bool]:
        """Write one Pagefind bundle per shard under `bundle` (site/pagefind/<shard>/), but for the
        shards whose input hash is in `previous` (the last build's): their bundles are in the site
        already. `load(rel)` gives a kept page's HTML, for a shard that must be indexed again.
        Returns, per shard, whether its bundle was written."""
        previous = previous or {}
        try:
            with ThreadPoolExecutor(self.jobs) as pool:  # each job is a Pagefind process
                shards = sorted(self.digests)
                written = dict(zip(shards, pool.map(
                    lambda shard: self._build_shard(shard, bundle / shard, previous.get(shard), load), shards)))
            if self.cache is not None:
                keep = {f"pagefind-{shard}-{self.input_hash(shard)}" for shard in self.digests}
                for old in self.cache.glob("pagefind-*"):
                    if old.name not in keep:
                        shutil.rmtree(old, ignore_errors=True)
                if self.folder.is_dir():
                    for old in self.folder.iterdir():
                        if old.name not in self.digests:  # a shard no longer there
                            shutil.rmtree(old, ignore_errors=True)
                present = {shard: {rel: d for rel, d in digests.items() if rel not in self.known.get(shard, ())}
                           for shard, digests in self.digests.items()}
                write_atomically(self.cache / INDEX_STATE, pickle.dumps(present, protocol=pickle.HIGHEST_PROTOCOL))
            return written
        finally:
            self.cleanup()

    def _build_shard(self, shard: str, dest: Path, previous: str | None, load) -> bool:
        if self.cache is None:
            self._index_shard(shard, dest, load)
            return True
        digest = self.input_hash(shard)
        cached = self.cache / f"pagefind-{shard}-{digest}"
        if (cached / ".complete").exists() and (cached / "keys.json").exists():
            self.reused += 1
            found = json.loads((cached / "keys.json").read_text(encoding="utf-8"))
            self.keys[shard], self.chars[shard] = set(found["keys"]), set(found["chars"])
            if previous == digest:
                return False
        else:
            fresh = Path(tempfile.mkdtemp(prefix=f".pagefind-{os.getpid()}-", dir=self.cache))
            self._index_shard(shard, fresh / "bundle", load)
            found = {"keys": sorted(self.keys[shard]), "chars": sorted(self.chars[shard])}
            (fresh / "keys.json").write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
            (fresh / ".complete").write_text("")
            shutil.rmtree(cached, ignore_errors=True)
            os.rename(fresh, cached)
        link_tree(cached / "bundle", dest)
        return True

    def _index_shard(self, shard: str, bundle: Path, load) -> None:
        """Pagefind over a shard's index copies: first the missing ones are made and stale ones
        removed; the router's keys are read from them."""
        folder = self.folder / shard
        for rel in self.known.get(shard, ()):
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(index_copy(load(rel)).encode("utf-8"))
        self.known[shard] = set()
        wanted = self.digests[shard]
        keys: set[str] = set()
        for dirpath, _, files in os.walk(folder):
            for name in files:
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, folder).replace(os.sep, "/")
                if rel not in wanted:
                    os.unlink(path)
                    continue
                with open(path, encoding="utf-8") as f:
                    route_keys(body_text(f.read()), keys)
        self.keys[shard], self.chars[shard] = keys, {k for k in keys if len(k) == 1}
        self._run_pagefind(folder, bundle)

    def _run_pagefind(self, site: Path, bundle: Path) -> None:
        command = [pagefind_executable(), "--site", str(site), "--output-path", str(bundle),
                   "--keep-index-url", "--include-characters", SYMBOLS, "--silent"]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise BuildError([Problem("pagefind", f"indexing failed (exit {result.returncode}): "
                                      f"{(result.stderr or result.stdout).strip()[-2000:]}")])
        for name in UNUSED_FILES:  # Pagefind's own search interfaces: the archive has its own
            (bundle / name).unlink(missing_ok=True)

    def cleanup(self) -> None:
        if self.cache is None:
            shutil.rmtree(self.folder, ignore_errors=True)


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
