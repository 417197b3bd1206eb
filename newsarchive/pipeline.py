"""The one place that knows the order: content → site model → pages → output → search index."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from .articles import read_content
from .collect import collect_site
from .config import DEFAULT_LAYOUTS, Config
from .errors import BuildError
from .linkcheck import broken_body_links
from .model import Site
from .render import Renderer
from .search import SearchIndexer, pagefind_executable, script_variants, shard_keys
from .urls import SHARDS, VARIANTS, output_file
from .write import MARKER, Writer, remove_abandoned

Progress = Callable[[str, int], None]


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


def load_site(config: Config, jobs: int = 1) -> Site:
    """Read, validate and gather everything; raises BuildError listing every problem."""
    articles, metas = read_content(config, jobs)
    return collect_site(config, articles, metas)


def check(config: Config) -> Site:
    """All validation, including rendering every page, without writing anything."""
    site = load_site(config)
    paths = {output_file(page.path) for page in Renderer(site).all_pages()}
    paths |= {output_file(p) for p in static_files(config)}
    problems = broken_body_links(site, paths)
    if problems:
        raise BuildError(problems)
    return site


def static_files(config: Config) -> dict[str, Path]:
    """Static assets by site path: the built-in ones, overridden by the user's layouts/static."""
    files: dict[str, Path] = {}
    for folder in dict.fromkeys([DEFAULT_LAYOUTS / "static", config.layouts / "static"]):
        if folder.is_dir():
            for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                files["static/" + file.relative_to(folder).as_posix()] = file
    return files


def source_stamp(config: Config) -> str:
    """A fingerprint of everything a build reads: settings, content, layouts, the code, Pagefind.

    Made from file names, sizes and modification times only, so that it is quick to take.
    """
    digest = hashlib.sha256(repr(sorted(vars(config).items())).encode())
    code = Path(__file__).resolve().parent
    for folder in dict.fromkeys([config.content, config.layouts, DEFAULT_LAYOUTS, code]):
        for dirpath, dirnames, files in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
            for name in sorted(files):
                st = os.stat(os.path.join(dirpath, name))
                digest.update(f"{dirpath}/{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
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
    return BuildStats(last["articles"], last["issues"], last["pages"], last["indexed"], 0.0, unchanged=True)


_JOB: tuple | None = None  # the work of a parallel render, inherited by the worker processes (fork)


def render_slice(worker: int) -> dict:
    """Render every jobs-th task from `worker` on, writing the files; report what was written."""
    renderer, tasks, writer, indexer, shards, dates, jobs = _JOB
    written = []
    for i in range(worker, len(tasks), jobs):
        for page in tasks[i]():
            data = page.content.encode("utf-8") if isinstance(page.content, str) else page.content
            writer.write_bytes(page.path, data, register=False)
            written.append((output_file(page.path), hashlib.sha256(data).digest()))
            if page.source:
                indexer.add(page.path, page.content, shards[page.source], dates[page.source])
    return {"files": written, "index": indexer.take()}


def render_in_parallel(renderer, tasks, writer, indexer, shards, dates, jobs: int):
    """Render in `jobs` processes (forked, so each has the site model already); yields their reports."""
    global _JOB
    jobs = max(1, min(jobs, len(tasks)))
    _JOB = (renderer, tasks, writer, indexer, shards, dates, jobs)
    try:
        if jobs == 1:
            yield render_slice(0)
            return
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            yield from pool.imap_unordered(render_slice, range(jobs))
    finally:
        _JOB = None


def build(config: Config, progress: Progress | None = None, force: bool = False, jobs: int = 0) -> BuildStats:
    """Build the whole site into config.output, replacing it only if everything succeeded."""
    started = time.perf_counter()
    progress = progress or (lambda stage, n: None)
    remove_abandoned(config.output)  # what a killed build left behind goes, even when nothing changed
    stamp = source_stamp(config)
    if not force:
        last = unchanged_since_last_build(config, stamp)
        if last is not None:
            return replace(last, seconds=time.perf_counter() - started)
    site = load_site(config, jobs or os.cpu_count() or 1)
    progress("read", len(site.articles))
    writer = Writer(config.output, keep=(config.content, config.layouts, DEFAULT_LAYOUTS))
    indexer = SearchIndexer(cache_folder(config))
    shards = shard_keys(site.articles)
    dates = {a.source: a.date.isoformat() for a in site.articles}
    files: list[tuple[str, bytes]] = []  # (site path, sha256) of every file: the service worker's version
    try:
        renderer = Renderer(site)
        tasks = renderer.tasks()
        jobs = jobs or ((os.cpu_count() or 1) if len(tasks) >= 200 else 1)  # a small site: not worth a process
        for result in render_in_parallel(renderer, tasks, writer, indexer, shards, dates, jobs):
            for path, _ in result["files"]:
                writer.register(path)
            files += result["files"]
            indexer.merge(result["index"])
            progress("render", len(files))
        pages = len(files)
        for site_path, file in static_files(config).items():
            data = file.read_bytes()
            writer.write_bytes(site_path, data)
            files.append((site_path, hashlib.sha256(data).digest()))
        version = hashlib.sha256(b"".join(p.encode() + b"\0" + d for p, d in sorted(files)))
        writer.write_text(".nojekyll", "")
        problems = broken_body_links(site, writer.written)
        if problems:
            raise BuildError(problems)
        sw = renderer.service_worker(version.hexdigest()[:16])
        writer.write_text(sw.path, sw.content)
        writer.write_text(VARIANTS, json.dumps(script_variants(indexer.chars), ensure_ascii=False, separators=(",", ":")))
        indexer.build(writer.staging / "pagefind")
        writer.write_text(SHARDS, json.dumps(indexer.shards(), ensure_ascii=False, separators=(",", ":")))
        if len(indexer.keys) > 1:  # one shard needs no router
            for name, text in indexer.router().items():
                writer.write_text("pagefind/" + name, text)
        progress("index", indexer.count)
        writer.commit()
    except BaseException:
        writer.abort()
        indexer.cleanup()
        raise
    stats = BuildStats(len(site.articles), len(site.issues), pages, indexer.count, time.perf_counter() - started,
                       shards=len(indexer.digests), shards_reused=indexer.reused)
    state = {"stamp": stamp, "articles": stats.articles, "issues": stats.issues, "pages": stats.pages,
             "indexed": stats.indexed}
    (cache_folder(config) / "state.json").write_text(json.dumps(state), encoding="utf-8")
    return stats


def cache_folder(config: Config) -> Path:
    """Kept beside the output folder (never inside it, never published): .newsarchive-cache/site/."""
    folder = config.output.parent / ".newsarchive-cache" / config.output.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def print_progress(stage: str, n: int) -> None:
    """Progress on stderr for long builds: one updating line on a terminal."""
    labels = {"read": "读取文章", "render": "生成页面", "index": "建立搜索索引"}
    line = f"{labels.get(stage, stage)}：{n}"
    if sys.stderr.isatty():
        print(f"\r{line:<40}", end="" if stage == "render" else "\n", file=sys.stderr, flush=True)
    elif n >= 1000 and (stage != "render" or n % 10000 == 0):  # logs: only for long builds
        print(line, file=sys.stderr, flush=True)
