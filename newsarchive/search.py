"""The search index: Pagefind over the article pages, with every Han character a word.

Pagefind does not segment Chinese, so a query would only match at the start of a run of Han
characters. Indexing a copy of each article page in which every Han character stands apart,
and sending queries rewritten the same way as exact phrases (static/search.js), makes search
find any substring, as find-in-page does. Only the text of the `data-pagefind-body` element
and the attributes of the page feed the index.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import BuildError, Problem
from .urls import output_file
from .write import process_alive

HAN = r"\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CJK_PUNCT = r"\u3000-\u3004\u3008-\u3020\u30fb\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201f\u2014\u2026\u00b7"
ASCII_PUNCT = r"!-/:-@\[-`{-~"
# A word break after each Han character or CJK punctuation mark (punctuation stays attached to the
# word before it, so it takes no position of its own in a phrase), and before each Han character.
_HAN_BOUNDARY = re.compile(rf"(?<=[{HAN}{CJK_PUNCT}])(?=[^\s{CJK_PUNCT}{ASCII_PUNCT}])|(?<=[^\s>])(?=[{HAN}])")
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


def pagefind_executable() -> str:
    """The Pagefind binary shipped by the pagefind-bin package."""
    try:
        from pagefind_bin import get_executable
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise BuildError([Problem("pagefind", f"the pagefind-bin package is not installed ({exc})")])
    return str(get_executable())


class SearchIndexer:
    """Collects index copies of searchable pages, then runs Pagefind once over them.

    Pagefind writes its filter and metadata indexes in a different order on every run (its issue
    #638), so its bundle is kept in a cache keyed by a hash of everything it reads: building the
    same content again reuses the same bundle, byte for byte, and skips the indexing.
    """

    def __init__(self, cache: Path | None = None):
        self.folder = Path(tempfile.mkdtemp(prefix="newsarchive-index-"))
        self.cache = cache
        self.count = 0
        if cache is not None:
            for folder in cache.glob(".pagefind-*"):  # left by a build that was killed while indexing
                pid = folder.name.split("-")[1]
                if pid.isdigit() and not process_alive(int(pid)):
                    shutil.rmtree(folder, ignore_errors=True)
        self.digests: dict[str, str] = {}

    def add(self, site_path: str, html: str) -> None:
        rel = output_file(site_path)
        data = index_copy(html).encode("utf-8")
        path = self.folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.digests[rel] = hashlib.sha256(data).hexdigest()
        self.count += 1

    def input_hash(self) -> str:
        digest = hashlib.sha256(pagefind_executable().encode())
        for rel in sorted(self.digests):
            digest.update(f"{rel}\0{self.digests[rel]}\n".encode())
        return digest.hexdigest()[:20]

    def build(self, bundle: Path) -> bool:
        """Write the Pagefind bundle to `bundle` (site/pagefind). Returns True if it came from the cache."""
        try:
            if self.cache is None:
                self._run_pagefind(bundle)
                return False
            cached = self.cache / f"pagefind-{self.input_hash()}"
            hit = (cached / ".complete").exists()
            if not hit:
                fresh = Path(tempfile.mkdtemp(prefix=f".pagefind-{os.getpid()}-", dir=self.cache))
                self._run_pagefind(fresh / "bundle")
                (fresh / ".complete").write_text("")
                for old in self.cache.glob("pagefind-*"):  # keep one bundle: the newest
                    shutil.rmtree(old, ignore_errors=True)
                os.rename(fresh, cached)
            link_tree(cached / "bundle", bundle)
            return hit
        finally:
            self.cleanup()

    def _run_pagefind(self, bundle: Path) -> None:
        command = [pagefind_executable(), "--site", str(self.folder), "--output-path", str(bundle),
                   "--keep-index-url", "--silent"]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise BuildError([Problem("pagefind", f"indexing failed (exit {result.returncode}): "
                                      f"{(result.stderr or result.stdout).strip()[-2000:]}")])

    def cleanup(self) -> None:
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
