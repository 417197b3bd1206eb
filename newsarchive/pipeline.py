"""The one place that knows the order: content → site model → pages → output → search index."""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import pickle
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from . import claims, urls
from .articles import ParseCache, list_content, read_files
from .collect import collect_site
from .config import DEFAULT_LAYOUTS, Config
from .model import Site
from .render import Renderer, code_digest, layouts_digest
from .search import SearchIndexer, pagefind_executable, record_digest, record_page, script_variants, shard_keys
from .urls import SHARDS, VARIANTS, output_file
from .write import (MANIFEST, MARKER, Writer, check_output, finish_commit, load_manifest, output_lock,
                    remove_abandoned, restore_interrupted_swap, read_pickle, write_atomically)

JOURNAL = "journal.json"
LOCK = "build.lock"

Progress = Callable[[str, int, int], None]  # (stage, done, total): "read" files, "render" pieces, "index" articles


@dataclass(frozen=True)
class BuildStats:
    articles: int
    issues: int
    pages: int
    indexed: int
    seconds: float
    unchanged: bool = False  # nothing had changed: the output was left as it was
    shards: int = 0  # search index shards
    shards_reused: int = 0  # of which unchanged, taken from the cache
    rendered: int = 0  # files rendered (the others were kept from the last build)
    warnings: tuple[str, ...] = ()  # what the content got away with (a removed control character…)


def load_site(config: Config, jobs: int = 1, cache: ParseCache | None = None, seen: dict | None = None,
              progress: Callable[[int, int], None] | None = None) -> Site:
    """Read, validate and gather everything; raises BuildError listing every problem. `seen`: the
    content files and their stat results, when source_stamp has just listed them."""
    articles, metas, problems = read_files(config, jobs, cache, seen, progress)
    return collect_site(config, articles, metas, problems)


def check(config: Config) -> Site:
    """All validation, including rendering every page, without writing anything."""
    site = load_site(config)
    for page in Renderer(site).all_pages():
        if output_file(page.path) not in site.claims:  # the claims map must know every page
            raise AssertionError(f"{page.path} is rendered but not claimed (newsarchive.claims)")
    return site


def static_files(config: Config) -> dict[str, Path]:
    return claims.static_files(config.layouts, DEFAULT_LAYOUTS)


def source_stamp(config: Config, seen: dict | None = None) -> str:
    """A fingerprint of everything a build reads: settings, content, layouts, the code, Pagefind.

    Made from file names, sizes and modification times only, so that it is quick to take. The
    content files and their stat results (or their problems) are put in `seen`, for read_files
    not to list them again.
    """
    digest = hashlib.sha256(repr(sorted(vars(config).items())).encode())
    listing = list_content(config.content)
    if seen is not None:
        seen.update(listing)
    for path, st in listing.items():
        digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode() if isinstance(st, os.stat_result)
                      else f"{path}\0{st}\n".encode())
    code = Path(__file__).resolve().parent
    for folder in dict.fromkeys([config.layouts, DEFAULT_LAYOUTS, code]):
        for dirpath, dirnames, files in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                    digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
                except OSError:  # a broken link: the build reports it where it reads the file
                    digest.update(f"{path}\0?\n".encode())
    digest.update(str(pagefind_executable()).encode())
    return digest.hexdigest()


def unchanged_since_last_build(config: Config, stamp: str) -> BuildStats | None:
    """The last build's figures, if nothing it read has changed and its output is still there."""
    state = cache_folder(config) / "state.json"
    if not (config.output / MARKER).exists() or not state.exists():
        return None
    try:
        last = json.loads(state.read_text(encoding="utf-8"))
    except ValueError:
        return None
    if last.get("stamp") != stamp:
        return None
    return BuildStats(last["articles"], last["issues"], last["pages"], last["indexed"], 0.0, unchanged=True,
                      warnings=tuple(last.get("warnings", ())))


_JOB: tuple | None = None  # the work of a parallel render, inherited by the worker processes (fork)
RENDER_CHUNK = 100  # pieces of rendering (at most) between two progress reports


def render_chunk(start: int) -> dict:
    """Render the tasks of one chunk, writing the files; report what was written."""
    tasks, writer, chunk = _JOB
    mine, written = tasks[start:start + chunk], []
    for task in mine:
        for page in task.render():
            data = page.content.encode("utf-8") if isinstance(page.content, str) else page.content
            writer.write_bytes(page.path, data, register=False)
            written.append((task.key, output_file(page.path), file_digest(data)))
    return {"files": written, "tasks": len(mine)}


def render_in_parallel(tasks, writer, jobs: int):
    """Render in `jobs` processes (forked, so each has the site model already), in chunks taken by
    whichever process is free; yields each chunk's report as it is done."""
    global _JOB
    jobs = max(1, min(jobs, len(tasks)))
    chunk = max(1, min(RENDER_CHUNK, -(-len(tasks) // (jobs * 8))))  # at least 8 chunks a process
    _JOB = (tasks, writer, chunk)
    starts = range(0, len(tasks), chunk)
    try:
        if jobs == 1:
            yield from map(render_chunk, starts)
            return
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            yield from pool.imap_unordered(render_chunk, starts)
    finally:
        _JOB = None


def file_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def last_build(config: Config) -> dict | None:
    """What the last build wrote (pages by the piece of rendering that made them, with their
    signatures), if the output folder is still the one it wrote."""
    return load_manifest(cache_folder(config) / MANIFEST, config.output / MARKER)


def finish_interrupted_commit(config: Config) -> None:
    """A build killed while moving its files into the site: finish its work (the files are ready)."""
    journal = cache_folder(config) / JOURNAL
    if journal.exists():
        finish_commit(journal)


def build(config: Config, progress: Progress | None = None, force: bool = False, jobs: int = 0) -> BuildStats:
    """Build the site into config.output, changing it only if everything succeeded.

    Pages whose signature (what they show) is the one they had in the last build are kept as they
    are; `force` renders every page again."""
    check_output(config.output, source_folders(config))  # before anything is written, the cache included
    with output_lock(cache_folder(config) / LOCK):
        gc.disable()  # while the model is read: see Build.read
        try:
            return Build(config, progress, force, jobs).run()
        finally:
            gc.enable()
            gc.unfreeze()


def source_folders(config: Config) -> tuple[Path, ...]:
    """What a build reads and must never write into."""
    return (config.content, config.layouts, DEFAULT_LAYOUTS)


Units = dict  # piece of rendering → [signature, {file: digest}]: what the manifest remembers of it


class Build:
    """One build, in named phases — recover, read, plan, render, copy static, index, route,
    extras, commit, finish — each adding its part of the manifest (`units`) to what the writer
    stages. The order is run()'s."""

    def __init__(self, config: Config, progress: Progress | None, force: bool, jobs: int):
        self.config, self.force, self.jobs = config, force, jobs
        self.progress = progress or (lambda stage, done, total: None)
        self.started = time.perf_counter()
        self.units: Units = {}
        self.rendered = 0

    def run(self) -> BuildStats:
        last = self.recover()
        if last is not None:
            return last
        self.read()
        self.writer = Writer(self.config.output, keep=source_folders(self.config))
        try:
            todo = self.plan()
            self.render(todo)
            self.copy_static()
            self.index()
            self.route()
            self.extras()
            self.commit()
        except BaseException:
            self.writer.abort()
            raise
        return self.finish()

    def recover(self) -> BuildStats | None:
        """Finish or undo what a killed build left; the last build's figures if nothing changed."""
        config = self.config
        restore_interrupted_swap(config.output)  # first: the journal of a build killed later writes into it
        finish_interrupted_commit(config)
        remove_abandoned(config.output)  # what a killed build left behind goes, even when nothing changed
        self.seen: dict[str, os.stat_result] = {}
        self.stamp = source_stamp(config, self.seen)
        last = None if self.force else unchanged_since_last_build(config, self.stamp)
        return replace(last, seconds=time.perf_counter() - self.started) if last is not None else None

    def read(self) -> None:
        """The site model, from the parse cache and the files changed since."""
        config, progress = self.config, self.progress
        cache = self.cache = cache_folder(config)
        self.parsed = ParseCache(cache, parse_key(config))
        slugs = read_pickle(cache / "slugs.pickle", {})
        urls.SLUGS.update(slugs.get(code_digest(), {}))
        self.site = load_site(config, self.jobs or os.cpu_count() or 1, self.parsed, self.seen,
                              lambda done, total: progress("read", done, total))
        if len(urls.SLUGS) > len(slugs.get(code_digest(), {})):
            write_atomically(cache / "slugs.pickle", pickle.dumps({code_digest(): urls.SLUGS}))
        # The model (100,000 articles and more) lives until the end: it is read with the cyclic garbage
        # collector off and then kept out of its passes, which would otherwise go over it again and
        # again (3 s of an edit at 100k), and out of copy-on-write in the forked workers.
        gc.freeze()
        gc.enable()
        self.previous = None if self.force else last_build(config)
        self.old_units: Units = self.previous["units"] if self.previous else {}

    def plan(self) -> list:
        """Each article's search record digest by shard, and the pieces of rendering whose
        signature changed (the others keep their files)."""
        site, config, writer = self.site, self.config, self.writer
        self.indexer = SearchIndexer(self.cache)
        shards, base = shard_keys(site.articles), code_digest()
        self.by_shard: dict[str, list] = {}  # shard → its articles, whose records Pagefind reads if it changed
        for a in site.articles:
            self.indexer.add(output_file(urls.article_path(a)), shards[a.source], a.date.isoformat(),
                             record_digest(a, site.issue_of[a.source], config.language, base))
            self.by_shard.setdefault(shards[a.source], []).append(a)
        self.layouts = layouts_digest(config)
        self.known_reads = read_pickle(self.cache / "layouts.pickle", {}).get(self.layouts, {})
        self.renderer = Renderer(site, self.known_reads)
        todo = []
        for task in self.renderer.tasks():
            old = self.old_units.get(task.key)
            if task.signature is not None and old is not None and old[0] == task.signature:
                self.units[task.key] = old
                for rel in old[1]:
                    writer.register(rel, staged=False)
            else:
                todo.append(task)
                self.units[task.key] = [task.signature, {}]
        return todo

    def render(self, todo: list) -> None:
        """The pieces to render again, in processes when there are many."""
        jobs = self.jobs or ((os.cpu_count() or 1) if len(todo) >= 200 else 1)  # a small job: not worth a process
        done = 0
        for result in render_in_parallel(todo, self.writer, jobs):
            for key, rel, digest in result["files"]:
                self.writer.register(rel)
                self.units[key][1][rel] = digest
            self.rendered += len(result["files"])
            done += result["tasks"]
            self.progress("render", done, len(todo))
        self.pages = sum(len(files) for _, files in self.units.values())

    def copy_static(self) -> None:
        self.units["static"] = [None, {}]
        for site_path, file in static_files(self.config).items():
            data = file.read_bytes()
            self.writer.write_bytes(site_path, data)
            self.units["static"][1][output_file(site_path)] = file_digest(data)
        # the service worker's version: a hash of every page and static file (see `extras`)
        self.version = hashlib.sha256("".join(f"{rel}\0{d}\n" for _, files in self.units.values()
                                              for rel, d in files.items() if rel != MARKER).encode()).hexdigest()[:16]

    def index(self) -> None:
        """Pagefind over the shards whose records changed; the writer adopts their bundles."""
        site, config, indexer, writer = self.site, self.config, self.indexer, self.writer
        old_shards = {key.removeprefix("pagefind "): sig for key, (sig, _) in self.old_units.items()
                      if key.startswith("pagefind ")}
        bundles = writer.scratch()  # the search index writes its fresh bundles here; the writer adopts them
        written = indexer.build(bundles, old_shards, lambda shard: (
            (output_file(urls.article_path(a)), record_page(a, site.issue_of[a.source], config.language))
            for a in self.by_shard[shard]), lambda done, total: self.progress("index", done, total))
        for shard, fresh in written.items():
            key = f"pagefind {shard}"
            if fresh:
                # The bundle's version (its records and the Pagefind run that made it) stands for
                # its files' digests: no reading back 200 MB at 100k.
                files = writer.adopt(bundles / shard, f"pagefind/{shard}/")
                self.units[key] = [indexer.hashes[shard], dict.fromkeys(files, indexer.versions[shard])]
            else:
                self.units[key] = self.old_units[key]
                for rel in self.units[key][1]:
                    writer.register(rel, staged=False)

    def route(self) -> None:
        """The shard router: only its buckets whose keys changed are written again."""
        indexer, writer, previous = self.indexer, self.writer, self.previous
        files, names, self.router_state = indexer.router(indexer.hashes, previous and previous.get("router"))
        kept = self.old_units.get("router", [None, {}])[1]
        if any(name not in files and "pagefind/" + name not in kept for name in names):
            files, names, self.router_state = indexer.router(indexer.hashes, None)  # not in the site: all
        self.units["router"] = [None, {}]
        if len(indexer.hashes) > 1:  # one shard needs no router
            for name in sorted(names):
                rel = "pagefind/" + name
                if name in files:
                    data = files[name].encode("utf-8")
                    writer.write_bytes(rel, data)
                    self.units["router"][1][rel] = file_digest(data)
                else:  # a bucket no key of which changed: as it is in the site
                    writer.register(rel, staged=False)
                    self.units["router"][1][rel] = kept[rel]

    def extras(self) -> None:
        """The small files made from the others: the service worker (its version a hash of the pages
        and static files), script variants, the shard list, the marker."""
        writer, indexer = self.writer, self.indexer
        sw = self.renderer.service_worker(self.version)
        chars = "".join(sorted(indexer.chars(self.router_state)))
        variants = remembered(self.cache / "variants.json", chars, lambda: json.dumps(
            script_variants(set(chars)), ensure_ascii=False, separators=(",", ":")))
        extra = {".nojekyll": "", MARKER: None, sw.path: sw.content, VARIANTS: variants,
                 SHARDS: json.dumps(indexer.shards(), ensure_ascii=False, separators=(",", ":"))}
        self.units["extra"] = [None, {}]
        for site_path, text in extra.items():
            if text is None:  # the marker: the writer wrote it
                data = (writer.staging / output_file(site_path)).read_bytes()
            else:
                data = text.encode("utf-8")
                writer.write_bytes(site_path, data)
            self.units["extra"][1][output_file(site_path)] = file_digest(data)

    def commit(self) -> None:
        """The staged files into the site: all at once, or the changed ones by a journal."""
        cache, writer, units = self.cache, self.writer, self.units
        self.manifest = {"units": units, "router": self.router_state}
        if self.renderer.layout_reads != self.known_reads:  # which layouts read `site`: parsing them all takes 0.4 s
            write_atomically(cache / "layouts.pickle", pickle.dumps({self.layouts: self.renderer.layout_reads}))
        if self.previous is None:
            writer.commit(journal=cache / JOURNAL, manifest=self.manifest)
        else:
            old_files = {rel: d for _, files in self.old_units.values() for rel, d in files.items()}
            new_files = {rel: d for _, files in units.values() for rel, d in files.items()}
            changed = {rel for rel in writer.staged if old_files.get(rel) != new_files[rel]}
            writer.commit(changed, set(old_files) - set(new_files), cache / JOURNAL, self.manifest)

    def finish(self) -> BuildStats:
        """The figures; the parse cache and the stamp saved for the next build."""
        site, indexer = self.site, self.indexer
        stats = BuildStats(len(site.articles), len(site.issues), self.pages, indexer.count,
                           time.perf_counter() - self.started, shards=len(indexer.digests),
                           shards_reused=indexer.reused, rendered=self.rendered, warnings=tuple(map(str, site.warnings)))
        # memory, for saving the parse cache
        del self.indexer, self.units, self.manifest, self.renderer, self.previous, self.old_units, self.router_state
        self.parsed.save()
        state = {"stamp": self.stamp, "articles": stats.articles, "issues": stats.issues, "pages": stats.pages,
                 "indexed": stats.indexed, "warnings": stats.warnings}
        (self.cache / "state.json").write_text(json.dumps(state), encoding="utf-8")
        return stats


def remembered(path: Path, key: str, make: Callable[[], str]) -> str:
    """make(), kept in a cache file beside the key it was made for."""
    found = read_pickle(path)
    if found and found[0] == key:
        return found[1]
    value = make()
    write_atomically(path, pickle.dumps((key, value)))
    return value


def parse_key(config: Config) -> str:
    """What parsed articles depend on besides their files: the settings and the code."""
    return hashlib.sha256(f"{sorted(vars(config).items())!r}\0{code_digest()}".encode()).hexdigest()


def cache_folder(config: Config) -> Path:
    """Kept beside the output folder (never inside it, never published): .newsarchive-cache/site/."""
    folder = config.output.parent / ".newsarchive-cache" / config.output.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
