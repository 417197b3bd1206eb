"""Search shards: the archive's articles in periods sized by what indexing them costs, each a
Pagefind bundle of its own, indexed again (in parallel processes) only when one of its records
changed, and kept in the cache by the hash of its records."""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Mapping

from ..errors import BuildError, Problem
from ..pagefind_files import canonicalize
from ..state import ShardCache
from ..text import SYMBOLS
from ..urls import year_of
from ..write import remove_abandoned_folders
from . import router
from .records import body_text, index_copy
from .router import route_keys


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
# per-character records: 500 k characters, some 300 articles, are ~2 s and ~200 MB). A year within
# it is one shard; a year over it is a shard a month, and a month over it a shard a third of a
# month (days 1–10, 11–20, 21–). At 1 M an edit at 10k articles took 4.4 s, at 500 k 2.4 s; smaller
# shards cost a larger router (one bit a shard for each key; see router.encode).
SHARD_CHARACTERS = 500_000
RECORDS_PREFIX = "newsarchive-index-"  # + pid: a shard's records while Pagefind reads them


def shard_keys(articles) -> dict[str, str]:
    """Article source → its search index: 'YYYY', 'YYYY-MM' or 'YYYY-MM-1' (to '-3'), sized by what
    indexing them costs (the characters of their text, SHARD_CHARACTERS at most where a period
    allows it).

    Shards keep Pagefind's time and memory bounded and let an edit re-index one period only; a
    year's boundaries never move when other years change, nor a month's when other months do.
    Their names sort in date order.
    """
    cost_of_day, cost_of_year, cost_of_month = Counter(), Counter(), Counter()
    for a in articles:
        cost_of_day[a.date] += len(a.title) + len(a.body)  # a StoredBody knows its length unread
    for day, cost in cost_of_day.items():
        cost_of_year[day.year] += cost
        cost_of_month[day.year, day.month] += cost
    shard_of_day = {}
    for day in cost_of_day:
        if cost_of_year[day.year] <= SHARD_CHARACTERS:
            shard_of_day[day] = year_of(day)
        elif cost_of_month[day.year, day.month] <= SHARD_CHARACTERS:
            shard_of_day[day] = day.isoformat()[:7]
        else:
            shard_of_day[day] = f"{day.isoformat()[:7]}-{min(3, 1 + (day.day - 1) // 10)}"
    return {a.source: shard_of_day[a.date] for a in articles}


def shard_entry(shard: str, first: str, last: str) -> str:
    """A shard in the list the search page reads first (it is in every first query's bytes): its
    name (its bundle is pagefind/<name>/) and its first and last day, each written without what it
    shares with the name's start ("1969-02-3 21 23": 1969-02-21 to 1969-02-23; "1946 -05-01 -12-31").
    A day is 10 characters and a name 9 at most: the page puts it back as the name's first
    10 − len(written) characters, then the written ones."""
    return " ".join([shard] + [day[len(os.path.commonprefix([shard, day])):] for day in (first, last)])


class SearchIndexer:
    """One Pagefind index per shard, each re-made only when a record in it changed.

    Every article is `add`ed with the digest of its record (what Pagefind would read, see
    records.record); a shard's input hash covers them all. A shard whose hash is the one of the
    last build keeps its bundle where it is in the site; the others are indexed again, in parallel
    processes, each writing its records to a scratch folder (in memory where /dev/shm allows) for
    Pagefind to read. Each bundle and its router keys are kept in the shard cache by input hash, so
    that the same records always give the same bytes (Pagefind alone does not, its issue #638).
    """

    OLD_KEYS_AT_MOST = 8  # shards indexed again whose old keys are read (more: the router scans every key)

    def __init__(self, cache: ShardCache | None = None, jobs: int = 2):  # jobs: shards indexed at once
        self.cache = cache
        self.jobs = max(1, jobs)
        self.count = 0
        self.digests: dict[str, dict[str, str]] = {}  # shard → page → record digest
        self.dates: dict[str, list[str]] = {}  # shard → first and last date
        # shard → the Han characters and pairs of its article texts, joined by NUL (as one string
        # each, not a set: at 100k, 125 sets of their own copies of the same keys took 700 MB), for
        # the shards indexed by this build when there is no cache (the cache keeps them: at 100k
        # articles they are 233 MB that a build then does not hold)
        self.keys: dict[str, str] = {}
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

    def shards(self) -> list[str]:
        """The shard list the search page reads (pagefind/shards.json), newest first (see
        shard_entry): counted from its end, a shard's place is its slot in the router (router.py)."""
        return [shard_entry(shard, *self.dates[shard]) for shard in sorted(self.digests, reverse=True)]

    def router(self, hashes: dict[str, str], state: dict | None,
               files: Mapping[int, str] | None = None) -> tuple[dict[str, str], set[str], dict]:
        """The shard router over these shards (see router.update), from the last build's state and
        its bucket files."""
        return router.update(hashes, self.keys_for, self.old_keys, state, files)

    def keys_for(self, shard: str) -> str:
        """A shard's router keys (NUL-joined): made by this build, or kept in the cache with its bundle."""
        if shard in self.keys:
            return self.keys[shard]
        joined = self.cache.keys(shard, self.hashes[shard])
        if joined is None:  # the shard would silently be left out of the router: the entry goes
            shutil.rmtree(self.cache.entry(shard, self.hashes[shard]), ignore_errors=True)
            raise BuildError([Problem(str(self.cache.keys_file(shard, self.hashes[shard])),
                                      "this file of the search cache went missing or was damaged during the build; "
                                      "build again (the shard is then indexed again)")])
        return joined

    def build(self, bundle: Path, previous: dict[str, str], records: Records,
              progress: Callable[[int, int], None] | None = None) -> dict[str, bool]:
        """Write under `bundle` (a folder of the writer's, `bundle/<shard>/`) the Pagefind bundle of
        every shard whose input hash is not the one in `previous` (the last build's, in the site).
        Returns, per shard, whether its bundle was written. `progress(done, total)`: articles of
        the shards indexed again, as each shard is done."""
        hashes = self.hashes = {shard: self.input_hash(shard) for shard in sorted(self.digests)}
        written, todo = {}, []
        for shard, digest in hashes.items():
            run = self.cache.run_of(shard, digest) if self.cache is not None else None
            if run is not None:
                self.versions[shard] = f"{digest}-{run}"
                self.reused += 1
                written[shard] = previous.get(shard) != digest
                if written[shard]:
                    link_tree(self.cache.bundle(shard, digest), bundle / shard)
            else:
                todo.append(shard)
                written[shard] = True
        if self.cache is not None:
            remove_abandoned_folders(self.cache.folder, ".pagefind-")  # left by a build killed while indexing
        remove_abandoned_folders(scratch_parent(self.cache), RECORDS_PREFIX)
        self._index(todo, bundle, records, progress)
        self.keep_old_keys(previous)
        if self.cache is not None:
            self.cache.keep_only(hashes)
        return written

    def _index(self, todo: list[str], bundle: Path, records: Records, progress) -> None:
        """Pagefind over each shard of `todo`, in `jobs` processes."""
        global _RECORDS
        _RECORDS = records
        todo = sorted(todo, key=lambda shard: -len(self.digests[shard]))  # the largest first: none left alone at the end
        total, done = sum(len(self.digests[shard]) for shard in todo), 0
        try:
            jobs = min(self.jobs, len(todo))
            work = [(shard, self.hashes[shard], bundle / shard, self.cache) for shard in todo]
            with multiprocessing.get_context("fork").Pool(jobs) if jobs > 1 else contextlib.nullcontext() as pool:
                for shard, (keys, run) in pool.imap_unordered(_index_job, work) if pool else map(_index_job, work):
                    if keys is not None:
                        self.keys[shard] = keys
                    self.versions[shard] = f"{self.hashes[shard]}-{run}"
                    done += len(self.digests[shard])
                    if progress:
                        progress(done, total)
        finally:
            _RECORDS = None

    def keep_old_keys(self, previous: dict[str, str]) -> None:
        """The last build's keys of the shards indexed again or gone, read from their old bundles in
        the cache before these are removed (when only a few changed: a full rebuild reads none)."""
        replaced = [shard for shard, digest in previous.items() if self.hashes.get(shard) != digest]
        if self.cache is None or len(replaced) > self.OLD_KEYS_AT_MOST:
            return
        for shard in replaced:
            keys = self.cache.keys(shard, previous[shard])
            if keys is not None:
                self.old_keys[shard] = keys


# shard → (page, record_page) of each of its articles: the indexing process spaces the record (see
# records.record) and takes the router keys from it unspaced (the same keys, without splitting ~700
# words an article to remove the spaces again)
Records = Callable[[str], Iterable[tuple[str, str]]]
_RECORDS: Records | None = None  # inherited by the indexing processes (fork)


def scratch_parent(cache: ShardCache | None) -> Path:
    """Where records wait for Pagefind: in memory (/dev/shm) when it has room, else the cache."""
    shm = Path("/dev/shm")
    try:
        if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 256 * 2 ** 20:
            return shm
    except OSError:
        pass
    return cache.folder if cache is not None else Path(tempfile.gettempdir())


def _index_job(job: tuple) -> tuple[str, tuple[str | None, str]]:
    return job[0], _index_shard(*job)


def _index_shard(shard: str, digest: str, dest: Path, cache: ShardCache | None) -> tuple[str | None, str]:
    """Pagefind over the records of one shard (in an indexing process), its bundle written to
    `dest`, by way of the cache when there is one; returns the shard's router keys (joined by NUL;
    None when they are in the cache) and a token of this Pagefind run."""
    folder = Path(tempfile.mkdtemp(prefix=f"{RECORDS_PREFIX}{os.getpid()}-", dir=scratch_parent(cache)))
    try:
        keys = _write_records(shard, folder)
        run = os.urandom(8).hex()
        if cache is None:
            run_pagefind(folder, dest)
            return keys, run
        fresh = Path(tempfile.mkdtemp(prefix=f".pagefind-{os.getpid()}-", dir=cache.folder))
        run_pagefind(folder, fresh / "bundle")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    cached = cache.store(fresh, shard, digest, keys, run)
    link_tree(cached / "bundle", dest)
    return None, run  # the keys are in the cache


def _write_records(shard: str, folder: Path) -> str:
    """The shard's records as files for Pagefind; returns its router keys, NUL-joined."""
    texts, made = [], set()
    for rel, page in _RECORDS(shard):
        path = folder / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_text(index_copy(page), encoding="utf-8")
        texts.append(body_text(page))
    return "\0".join(route_keys(texts))


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
