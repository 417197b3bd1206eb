"""The one place that knows the order: content → site model → pages → output → search index."""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import claims, images, urls
from .articles import list_content, read_files
from .collect import collect_site
from .config import DEFAULT_LAYOUTS, Config
from .digests import blake16, code_digest, digest_of, layouts_digest
from .model import Site
from .render import Renderer
from .scans import read_scans
from .search import SearchIndexer, pagefind_executable, record_digest, record_page, router, script_variants, shard_keys
from .state import BuildState, Manifest, ParseCache, Unit
from .state import source_stamp as stamp_of
from .urls import PAGEFIND, SHARDS, VARIANTS, Slugs, output_file
from .write import MARKER, Writer, check_output, finish_commit, output_lock, remove_abandoned, restore_interrupted_swap

Progress = Callable[[str, int, int], None]  # (stage, done, total): "read" files, "render" pieces, "index" articles


class _StaleRouter(Exception):
    """A router file in the site is not the one the manifest says the last build wrote."""


class _SiteBuckets(Mapping):
    """The router's bucket files in the site (number → JSON), as the last build wrote them (`kept`:
    their digests in its manifest), each read when asked for; _StaleRouter if one is not."""

    def __init__(self, output: Path, kept: dict[str, str]):
        self.output, self.kept = output, kept
        numbers = {rel: router.bucket_number(rel.removeprefix(PAGEFIND)) for rel in kept}
        self.numbers = {n: rel for rel, n in numbers.items() if n is not None}

    def __getitem__(self, n: int) -> str:
        rel = self.numbers[n]
        try:
            data = (self.output / rel).read_bytes()
        except OSError as e:
            raise _StaleRouter(rel) from e
        if blake16(data) != self.kept[rel]:
            raise _StaleRouter(rel)
        return data.decode("utf-8")

    def __contains__(self, n) -> bool:
        return n in self.numbers

    def __iter__(self):
        return iter(self.numbers)

    def __len__(self) -> int:
        return len(self.numbers)


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
              progress: Callable[[int, int], None] | None = None, slugs: Slugs | None = None) -> Site:
    """Read, validate and gather everything; raises BuildError listing every problem. `seen`: the
    content files and their stat results, when source_stamp has just listed them."""
    seen = seen or list_content(config.content)
    articles, metas, problems = read_files(config, jobs, cache, seen, progress)
    scans, scan_problems = read_scans(config.content, seen, cache)
    return collect_site(config, articles, metas, problems + scan_problems, slugs or Slugs(), scans)


def check(config: Config) -> Site:
    """All validation, including rendering every page, without writing anything."""
    site = load_site(config)
    for page in Renderer(site).all_pages():
        if output_file(page.path) not in site.claims:  # the claims map must know every page
            raise AssertionError(f"{page.path} is rendered but not claimed (newsarchive.claims)")
    return site


def static_files(config: Config, scans: bool = False) -> dict[str, Path]:
    return claims.static_files(config.layouts, DEFAULT_LAYOUTS, scans)


def source_stamp(config: Config, seen: dict | None = None) -> str:
    """A fingerprint of everything a build reads (state.source_stamp). The content files and their
    stat results (or their problems) are put in `seen`, for read_files not to list them again."""
    listing = list_content(config.content)
    if seen is not None:
        seen.update(listing)
    return stamp_of(config, listing, pagefind_executable())


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
            written.append((task.key, output_file(page.path), blake16(data)))
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


def build(config: Config, progress: Progress | None = None, force: bool = False, jobs: int = 0) -> BuildStats:
    """Build the site into config.output, changing it only if everything succeeded.

    Pages whose signature (what they show) is the one they had in the last build are kept as they
    are; `force` renders every page again."""
    check_output(config.output, source_folders(config))  # before anything is written, the cache included
    with output_lock(BuildState(config).lock):
        gc.disable()  # while the model is read: see Build.read
        try:
            return Build(config, progress, force, jobs).run()
        finally:
            gc.enable()
            gc.unfreeze()


def source_folders(config: Config) -> tuple[Path, ...]:
    """What a build reads and must never write into."""
    return (config.content, config.layouts, DEFAULT_LAYOUTS)


class Build:
    """One build, in named phases — recover, read, plan, render, images, copy static, index,
    route, extras, commit, finish — each adding its part of the manifest (`units`) to what the writer
    stages. The order is run()'s."""

    def __init__(self, config: Config, progress: Progress | None, force: bool, jobs: int):
        self.config, self.force, self.jobs = config, force, jobs
        self.progress = progress or (lambda stage, done, total: None)
        self.started = time.perf_counter()
        self.state = BuildState(config)
        self.units: dict[str, Unit] = {}  # what the manifest will remember of each piece
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
            self.images()
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
        if self.state.journal.exists():  # killed while moving its files into the site: they are ready
            finish_commit(self.state.journal)
        remove_abandoned(config.output)  # what a killed build left behind goes, even when nothing changed
        self.seen: dict[str, os.stat_result] = {}
        self.stamp = source_stamp(config, self.seen)
        last = None if self.force else self.state.last_figures(self.stamp, config.output / MARKER)
        if last is None:
            return None
        return BuildStats(last["articles"], last["issues"], last["pages"], last["indexed"],
                          time.perf_counter() - self.started, unchanged=True, warnings=tuple(last.get("warnings", ())))

    def read(self) -> None:
        """The site model, from the parse cache and the files changed since."""
        config, progress, state = self.config, self.progress, self.state
        self.parsed = state.parse_cache()
        slugs = Slugs(state.slugs())
        self.site = load_site(config, self.jobs or os.cpu_count() or 1, self.parsed, self.seen,
                              lambda done, total: progress("read", done, total), slugs)
        if slugs.added:
            state.save_slugs(slugs.known)
        # The model (100,000 articles and more) lives until the end: it is read with the cyclic garbage
        # collector off and then kept out of its passes, which would otherwise go over it again and
        # again (3 s of an edit at 100k), and out of copy-on-write in the forked workers.
        gc.freeze()
        gc.enable()
        self.previous = None if self.force else state.manifest(config.output / MARKER)
        self.old_units = self.previous.units if self.previous else {}

    def plan(self) -> list:
        """Each article's search record digest by shard, and the pieces of rendering whose
        signature changed (the others keep their files)."""
        site, config, writer = self.site, self.config, self.writer
        self.indexer = SearchIndexer(self.state.shard_cache())
        shards, base = shard_keys(site.articles), code_digest()
        self.by_shard: dict[str, list] = {}  # shard → its articles, whose records Pagefind reads if it changed
        for a in site.articles:
            self.indexer.add(output_file(urls.article_path(a)), shards[a.source], a.date.isoformat(),
                             record_digest(a, site.issue_of[a.source], config.language, base))
            self.by_shard.setdefault(shards[a.source], []).append(a)
        self.layouts = layouts_digest(config)
        self.known_reads = self.state.layout_reads(self.layouts)
        self.renderer = Renderer(site, self.known_reads, self.state.compiled_layouts())
        todo = []
        for task in self.renderer.tasks():
            old = self.old_units.get(task.key)
            if task.signature is not None and old is not None and old.signature == task.signature:
                self.units[task.key] = old
                for rel in old.files:
                    writer.register(rel, staged=False)
            else:
                todo.append(task)
                self.units[task.key] = Unit(task.signature, {})
        return todo

    def render(self, todo: list) -> None:
        """The pieces to render again, in processes when there are many."""
        jobs = self.jobs or ((os.cpu_count() or 1) if len(todo) >= 200 else 1)  # a small job: not worth a process
        done = 0
        for result in render_in_parallel(todo, self.writer, jobs):
            for key, rel, digest in result["files"]:
                self.writer.register(rel)
                self.units[key].files[rel] = digest
            self.rendered += len(result["files"])
            done += result["tasks"]
            self.progress("render", done, len(todo))
        self.pages = sum(len(unit.files) for unit in self.units.values())

    def images(self) -> None:
        """The scans' image files and the articles' clippings (images.py): made again only when a
        scan or a region changed, and kept in the cache by signature for a clean build."""
        config = self.config
        base = digest_of(code_digest(), repr(images.SETTINGS))
        used: set[str] = set()
        for issue in self.site.issues:
            for page in issue.scanned:
                scan = page.scan
                file = config.content / scan.source
                image = functools.cache(lambda file=file: images.open_scan(file))  # decoded once a page, if at all
                view = urls.page_view_path(scan.date, scan.page)
                service = urls.absolute_url(config.base_url, view + urls.TILES).rstrip("/") or urls.TILES.rstrip("/")
                used.add(self.keep_or_make(f"scan {scan.source}", digest_of(base, scan.digest, service),
                                           lambda: images.scan_files(image(), scan, service)))
                for a in page.articles:
                    if a.regions:
                        used.add(self.keep_or_make(f"clips {a.source}", digest_of(base, scan.digest, repr(a.regions),
                                                                                   urls.article_path(a)),
                                                   lambda a=a: images.clipping_files(image(), a)))
        self.state.prune_made(used)

    def keep_or_make(self, key: str, signature: str, make) -> str:
        """A unit of files kept as it is in the site (same signature), or written from `make()`
        (or from the cache, which keeps what it made). Returns the signature."""
        old = self.old_units.get(key)
        if old is not None and old.signature == signature:
            self.units[key] = old
            for rel in old.files:
                self.writer.register(rel, staged=False)
            return signature
        unit = self.units[key] = Unit(signature, {})
        for site_path, data in self.state.made(signature, make).items():
            self.writer.write_bytes(site_path, data)
            unit.files[output_file(site_path)] = blake16(data)
        return signature

    def copy_static(self) -> None:
        static = self.units["static"] = Unit(None, {})
        for site_path, file in static_files(self.config, any(i.scanned for i in self.site.issues)).items():
            data = file.read_bytes()
            self.writer.write_bytes(site_path, data)
            static.files[output_file(site_path)] = blake16(data)
        # the service worker's version: a hash of every page and static file (see `extras`)
        self.version = hashlib.sha256("".join(f"{rel}\0{d}\n" for unit in self.units.values()
                                              for rel, d in unit.files.items() if rel != MARKER).encode()).hexdigest()[:16]

    def index(self) -> None:
        """Pagefind over the shards whose records changed; the writer adopts their bundles."""
        site, config, indexer, writer = self.site, self.config, self.indexer, self.writer
        old_shards = {key.removeprefix("pagefind "): unit.signature for key, unit in self.old_units.items()
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
                files = writer.adopt(bundles / shard, f"{PAGEFIND}{shard}/")
                self.units[key] = Unit(indexer.hashes[shard], dict.fromkeys(files, indexer.versions[shard]))
            else:
                self.units[key] = self.old_units[key]
                for rel in self.units[key].files:
                    writer.register(rel, staged=False)

    def route(self) -> None:
        """The shard router: only its buckets whose keys changed are read and written again (its
        files in the site are its tables; the manifest's digests say they are still the last build's)."""
        indexer, writer, previous = self.indexer, self.writer, self.previous
        kept = self.old_units["router"].files if "router" in self.old_units else {}
        state = previous and previous.router if PAGEFIND + router.META in kept else None
        try:
            files, names, self.router_state = indexer.router(indexer.hashes, state, _SiteBuckets(self.config.output, kept))
        except _StaleRouter:  # all made again, and all moved in: the site's copies are not the manifest's
            files, names, self.router_state = indexer.router(indexer.hashes, None)
            previous.units["router"] = Unit(None, dict.fromkeys(kept, "changed since"))
        routed = self.units["router"] = Unit(None, {})
        if len(indexer.hashes) > 1:  # one shard needs no router
            for name in sorted(names):
                rel = PAGEFIND + name
                if name in files:
                    data = files[name].encode("utf-8")
                    writer.write_bytes(rel, data)
                    routed.files[rel] = blake16(data)
                else:  # a bucket no key of which changed: as it is in the site
                    writer.register(rel, staged=False)
                    routed.files[rel] = kept[rel]

    def extras(self) -> None:
        """The small files made from the others: the service worker (its version a hash of the pages
        and static files), script variants, the shard list, the marker."""
        writer, indexer = self.writer, self.indexer
        sw = self.renderer.service_worker(self.version)
        chars = "".join(sorted(router.chars(self.router_state)))
        variants = self.state.remembered("variants.pickle", chars, lambda: json.dumps(
            script_variants(set(chars)), ensure_ascii=False, separators=(",", ":")))
        extra = {".nojekyll": "", MARKER: None, sw.path: sw.content, VARIANTS: variants,
                 SHARDS: json.dumps(indexer.shards(), ensure_ascii=False, separators=(",", ":"))}
        extras = self.units["extra"] = Unit(None, {})
        for site_path, text in extra.items():
            if text is None:  # the marker: the writer wrote it
                data = (writer.staging / output_file(site_path)).read_bytes()
            else:
                data = text.encode("utf-8")
                writer.write_bytes(site_path, data)
            extras.files[output_file(site_path)] = blake16(data)

    def commit(self) -> None:
        """The staged files into the site: all at once, or the changed ones by a journal."""
        state, writer, units = self.state, self.writer, self.units
        manifest = Manifest(units, self.router_state)
        if self.renderer.layout_reads != self.known_reads:
            state.save_layout_reads(self.layouts, self.renderer.layout_reads)
        if self.previous is None:
            writer.commit(journal=state.journal, manifest=manifest, manifest_file=state.manifest_file)
        else:
            old_files, new_files = self.previous.files(), manifest.files()
            changed = {rel for rel in writer.staged if old_files.get(rel) != new_files[rel]}
            writer.commit(changed, set(old_files) - set(new_files), state.journal, manifest, state.manifest_file)

    def finish(self) -> BuildStats:
        """The figures; the parse cache and the stamp saved for the next build."""
        site, indexer = self.site, self.indexer
        stats = BuildStats(len(site.articles), len(site.issues), self.pages, indexer.count,
                           time.perf_counter() - self.started, shards=len(indexer.digests),
                           shards_reused=indexer.reused, rendered=self.rendered, warnings=tuple(map(str, site.warnings)))
        # memory, for saving the parse cache
        del self.indexer, self.units, self.renderer, self.previous, self.old_units, self.router_state
        self.parsed.save()
        self.state.save_figures(self.stamp, {"articles": stats.articles, "issues": stats.issues, "pages": stats.pages,
                                             "indexed": stats.indexed, "warnings": stats.warnings})
        return stats
