"""The one place that knows the order: content → site model → pages → output → search index."""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import pickle
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from . import urls
from . import claims
from .articles import ParseCache, list_content, read_files
from .collect import collect_site
from .config import DEFAULT_LAYOUTS, Config
from .errors import BuildError
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
        gc.disable()  # while the model is read: see _build
        try:
            return _build(config, progress, force, jobs)
        finally:
            gc.enable()
            gc.unfreeze()


def source_folders(config: Config) -> tuple[Path, ...]:
    """What a build reads and must never write into."""
    return (config.content, config.layouts, DEFAULT_LAYOUTS)


def _build(config: Config, progress: Progress | None, force: bool, jobs: int) -> BuildStats:
    started = time.perf_counter()
    progress = progress or (lambda stage, done, total: None)
    restore_interrupted_swap(config.output)  # first: the journal of a build killed later writes into it
    finish_interrupted_commit(config)
    remove_abandoned(config.output)  # what a killed build left behind goes, even when nothing changed
    seen: dict[str, os.stat_result] = {}
    stamp = source_stamp(config, seen)
    if not force:
        last = unchanged_since_last_build(config, stamp)
        if last is not None:
            return replace(last, seconds=time.perf_counter() - started)
    cache = cache_folder(config)
    parsed = ParseCache(cache, parse_key(config))
    slugs = read_pickle(cache / "slugs.pickle", {})
    urls.SLUGS.update(slugs.get(code_digest(), {}))
    site = load_site(config, jobs or os.cpu_count() or 1, parsed, seen, lambda done, total: progress("read", done, total))
    if len(urls.SLUGS) > len(slugs.get(code_digest(), {})):
        write_atomically(cache / "slugs.pickle", pickle.dumps({code_digest(): urls.SLUGS}))
    # The model (100,000 articles and more) lives until the end: it is read with the cyclic garbage
    # collector off and then kept out of its passes, which would otherwise go over it again and
    # again (3 s of an edit at 100k), and out of copy-on-write in the forked workers.
    gc.freeze()
    gc.enable()
    previous = None if force else last_build(config)
    writer = Writer(config.output, keep=source_folders(config))
    indexer = SearchIndexer(cache)
    shards = shard_keys(site.articles)
    base = code_digest()
    by_shard: dict[str, list] = {}  # shard → its articles, whose records Pagefind reads if it changed
    for a in site.articles:
        indexer.add(output_file(urls.article_path(a)), shards[a.source], a.date.isoformat(),
                    record_digest(a, site.issue_of[a.source], config.language, base))
        by_shard.setdefault(shards[a.source], []).append(a)
    units: dict[str, list] = {}  # piece of rendering → [signature, {file: digest}]
    try:
        layouts = layouts_digest(config)
        known_reads = read_pickle(cache / "layouts.pickle", {}).get(layouts, {})
        renderer = Renderer(site, known_reads)
        tasks, todo = renderer.tasks(), []
        old_units = previous["units"] if previous else {}
        for task in tasks:
            old = old_units.get(task.key)
            if task.signature is not None and old is not None and old[0] == task.signature:
                units[task.key] = old
                for rel in old[1]:
                    writer.register(rel, staged=False)
            else:
                todo.append(task)
                units[task.key] = [task.signature, {}]
        jobs = jobs or ((os.cpu_count() or 1) if len(todo) >= 200 else 1)  # a small job: not worth a process
        rendered = done = 0
        for result in render_in_parallel(todo, writer, jobs):
            for key, rel, digest in result["files"]:
                writer.register(rel)
                units[key][1][rel] = digest
            rendered += len(result["files"])
            done += result["tasks"]
            progress("render", done, len(todo))
        pages = sum(len(files) for _, files in units.values())
        units["static"] = [None, {}]
        for site_path, file in static_files(config).items():
            data = file.read_bytes()
            writer.write_bytes(site_path, data)
            units["static"][1][output_file(site_path)] = file_digest(data)
        version = hashlib.sha256("".join(f"{rel}\0{d}\n" for _, files in units.values() for rel, d in files.items()
                                         if rel != MARKER).encode())
        sw = renderer.service_worker(version.hexdigest()[:16])
        old_shards = {key.removeprefix("pagefind "): sig for key, (sig, _) in old_units.items() if key.startswith("pagefind ")}
        bundles = writer.scratch()  # the search index writes its fresh bundles here; the writer adopts them
        written = indexer.build(bundles, old_shards, lambda shard: (
            (output_file(urls.article_path(a)), record_page(a, site.issue_of[a.source], config.language))
            for a in by_shard[shard]), lambda done, total: progress("index", done, total))
        for shard, fresh in written.items():
            key = f"pagefind {shard}"
            if fresh:
                # The bundle's version (its records and the Pagefind run that made it) stands for
                # its files' digests: no reading back 200 MB at 100k.
                files = writer.adopt(bundles / shard, f"pagefind/{shard}/")
                units[key] = [indexer.hashes[shard], dict.fromkeys(files, indexer.versions[shard])]
            else:
                units[key] = old_units[key]
                for rel in units[key][1]:
                    writer.register(rel, staged=False)
        router_files, router_names, router_state = indexer.router(indexer.hashes, previous and previous.get("router"))
        kept_router = old_units.get("router", [None, {}])[1]
        if any(name not in router_files and "pagefind/" + name not in kept_router for name in router_names):
            router_files, router_names, router_state = indexer.router(indexer.hashes, None)  # not in the site: all
        chars = "".join(sorted(indexer.chars(router_state)))
        variants = remembered(cache / "variants.json", chars, lambda: json.dumps(
            script_variants(set(chars)), ensure_ascii=False, separators=(",", ":")))
        extra = {".nojekyll": "", MARKER: None, sw.path: sw.content, VARIANTS: variants,
                 SHARDS: json.dumps(indexer.shards(), ensure_ascii=False, separators=(",", ":"))}
        units["extra"] = [None, {}]
        for site_path, text in extra.items():
            if text is None:  # the marker: the writer wrote it
                data = (writer.staging / output_file(site_path)).read_bytes()
            else:
                data = text.encode("utf-8")
                writer.write_bytes(site_path, data)
            units["extra"][1][output_file(site_path)] = file_digest(data)
        units["router"] = [None, {}]
        if len(indexer.hashes) > 1:  # one shard needs no router
            for name in sorted(router_names):
                rel = "pagefind/" + name
                if name in router_files:
                    data = router_files[name].encode("utf-8")
                    writer.write_bytes(rel, data)
                    units["router"][1][rel] = file_digest(data)
                else:  # a bucket no key of which changed: as it is in the site
                    writer.register(rel, staged=False)
                    units["router"][1][rel] = kept_router[rel]
        manifest = {"units": units, "router": router_state}
        if renderer.layout_reads != known_reads:  # which layouts read `site`: parsing them all takes 0.4 s
            write_atomically(cache / "layouts.pickle", pickle.dumps({layouts: renderer.layout_reads}))
        if previous is None:
            writer.commit(journal=cache / JOURNAL, manifest=manifest)
        else:
            old_files = {rel: d for _, files in old_units.values() for rel, d in files.items()}
            new_files = {rel: d for _, files in units.values() for rel, d in files.items()}
            changed = {rel for rel in writer.staged if old_files.get(rel) != new_files[rel]}
            writer.commit(changed, set(old_files) - set(new_files), cache / JOURNAL, manifest)
    except BaseException:
        writer.abort()
        raise
    stats = BuildStats(len(site.articles), len(site.issues), pages, indexer.count, time.perf_counter() - started,
                       shards=len(indexer.digests), shards_reused=indexer.reused, rendered=rendered,
                       warnings=tuple(map(str, site.warnings)))
    del indexer, units, manifest, renderer, tasks, previous, old_units, router_state  # memory, for saving the parse cache
    parsed.save()
    state = {"stamp": stamp, "articles": stats.articles, "issues": stats.issues, "pages": stats.pages,
             "indexed": stats.indexed, "warnings": stats.warnings}
    (cache / "state.json").write_text(json.dumps(state), encoding="utf-8")
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


class ProgressPrinter:
    """Progress of a build on stderr: on a terminal one line a stage, with a bar, redrawn as it goes;
    in a log (not a terminal) a line at each quarter of a stage of 1,000 or more."""

    LABELS = {"read": "读取文章", "render": "生成页面", "index": "建立搜索索引"}

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.mark = time.perf_counter()  # when the stage under way began: the last one's end
        self.started: dict[str, float] = {}
        self.quarter: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        seconds = now - self.started.setdefault(stage, self.mark)
        if done >= total:
            self.mark = now
        if total <= 0:
            return
        line = progress_line(self.LABELS.get(stage, stage), done, total, seconds)
        if self.stream.isatty():
            print(f"\r{line}", end="\n" if done >= total else "", file=self.stream, flush=True)
        elif total >= 1000 and 4 * done // total > self.quarter.get(stage, 0):
            self.quarter[stage] = 4 * done // total
            print(line, file=self.stream, flush=True)


def progress_line(label: str, done: int, total: int, seconds: float, width: int = 24) -> str:
    """生成页面 [#####...................] 3,000/12,034  24% 0:02"""
    filled = width * done // total
    return (f"{label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} {100 * done // total:3d}%"
            f" {int(seconds) // 60}:{int(seconds) % 60:02d}")
