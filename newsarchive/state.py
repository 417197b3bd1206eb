"""What a build remembers between runs, all kept in one cache folder beside the output
(.newsarchive-cache/<site>/, never published): the source stamp and last figures, the parse cache,
the manifest of what was written, slugs, which layouts read `site`, the search shards' bundles.

A cache is only ever a shortcut: a file that is missing, damaged or made by other code or
settings is not used, and the build does the work again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, NamedTuple

import jinja2

from .config import DEFAULT_LAYOUTS, Config
from .digests import PACKAGE, code_digest, config_fingerprint
from .errors import BuildError, Problem
from .model import Article


def write_atomically(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, path)


def read_pickle(path: Path, default=None):
    """A cache file written with write_atomically(path, pickle.dumps(...)); `default` if it is
    missing or damaged."""
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:
        return default


def write_pickle(path: Path, value) -> None:
    write_atomically(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


class Unit(NamedTuple):
    """A piece of rendering (or the static files, a search shard…) as the manifest remembers it:
    the signature of what it shows (None: made every time) and its files with their digests."""

    signature: str | None
    files: dict[str, str]


@dataclass
class Manifest:
    """What a build wrote: every unit's files, and the search router's state for its next update."""

    units: dict[str, Unit] = field(default_factory=dict)
    router: dict | None = None

    def files(self) -> dict[str, str]:
        """Every file of the site → its digest."""
        return {rel: digest for unit in self.units.values() for rel, digest in unit.files.items()}

    def save(self, path: Path, marker: Path) -> None:
        """Saved with the identity of the site's marker file, so that the next build knows the
        output folder is still the one this manifest describes."""
        st = marker.stat()
        write_pickle(path, {"units": {key: tuple(unit) for key, unit in self.units.items()}, "router": self.router,
                            "marker": [st.st_ino, st.st_mtime_ns]})

    @classmethod
    def load(cls, path: Path, marker: Path) -> Manifest | None:
        """The manifest, if the output folder is still the one it describes."""
        stored = read_pickle(path)
        try:
            st = marker.stat()
        except OSError:
            return None
        if not isinstance(stored, dict) or stored.get("marker") != [st.st_ino, st.st_mtime_ns]:
            return None
        return cls({key: Unit(*unit) for key, unit in stored["units"].items()}, stored.get("router"))


def source_stamp(config: Config, listing: dict, tools: str) -> str:
    """A fingerprint of everything a build reads: settings, content (`listing`: its files and their
    stat results, or their problems), layouts, the code, the tools (`tools`: Pagefind's path).

    Made from file names, sizes and modification times only, so that it is quick to take."""
    digest = hashlib.sha256(config_fingerprint(config).encode())
    for path, st in listing.items():
        digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode() if isinstance(st, os.stat_result)
                      else f"{path}\0{st}\n".encode())
    for folder in dict.fromkeys([config.layouts, DEFAULT_LAYOUTS, PACKAGE]):
        for dirpath, dirnames, files in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                    digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
                except OSError:  # a broken link: the build reports it where it reads the file
                    digest.update(f"{path}\0?\n".encode())
    digest.update(tools.encode())
    return digest.hexdigest()


class BuildState:
    """The cache folder of one output folder, and everything kept in it."""

    JOURNAL, LOCK, MANIFEST = "journal.json", "build.lock", "manifest.pickle"

    def __init__(self, config: Config):
        self.config = config
        self.folder = config.output.parent / ".newsarchive-cache" / config.output.name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.journal, self.lock, self.manifest_file = (self.folder / name for name in (self.JOURNAL, self.LOCK, self.MANIFEST))

    # -- the last build's figures, for a build that finds nothing changed
    def last_figures(self, stamp: str, marker: Path) -> dict | None:
        """What the last build reported, if it read what `stamp` stands for and its output is still there."""
        state = self.folder / "state.json"
        if not marker.exists() or not state.exists():
            return None
        try:
            last = json.loads(state.read_text(encoding="utf-8"))
        except ValueError:
            return None
        return last if isinstance(last, dict) and last.get("stamp") == stamp else None

    def save_figures(self, stamp: str, figures: dict) -> None:
        (self.folder / "state.json").write_text(json.dumps({"stamp": stamp, **figures}), encoding="utf-8")

    # -- what was written
    def manifest(self, marker: Path) -> Manifest | None:
        return Manifest.load(self.manifest_file, marker)

    # -- parsed content
    def parse_cache(self) -> ParseCache:
        """Parsed files, for the settings and code of this build."""
        key = hashlib.sha256(f"{config_fingerprint(self.config)}\0{code_digest()}".encode()).hexdigest()
        return ParseCache(self.folder, key)

    # -- small things worth not making again
    def slugs(self) -> dict:
        """The slugs made by builds of this code (pypinyin takes a while to load)."""
        return read_pickle(self.folder / "slugs.pickle", {}).get(code_digest(), {})

    def save_slugs(self, slugs: dict) -> None:
        write_pickle(self.folder / "slugs.pickle", {code_digest(): slugs})

    def layout_reads(self, layouts: str) -> dict:
        """Which layouts read the variable `site` (parsing them all takes 0.4 s), for these layouts."""
        return read_pickle(self.folder / "layouts.pickle", {}).get(layouts, {})

    def save_layout_reads(self, layouts: str, reads: dict) -> None:
        write_pickle(self.folder / "layouts.pickle", {layouts: reads})

    def remembered(self, name: str, key: str, make: Callable[[], str]) -> str:
        """make(), kept in the cache file `name` beside the key it was made for."""
        path = self.folder / name
        found = read_pickle(path)
        if found and found[0] == key:
            return found[1]
        value = make()
        write_pickle(path, (key, value))
        return value

    def made(self, signature: str, make: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
        """Files (site path → bytes) made for a signature (a scan's images), kept in the cache so
        that a clean build does not make them again (`prune_made` removes the others)."""
        folder = self.folder / "images"
        folder.mkdir(exist_ok=True)
        found = read_pickle(folder / f"{signature}.pickle")
        if isinstance(found, dict):
            return found
        files = make()
        write_pickle(folder / f"{signature}.pickle", files)
        return files

    def prune_made(self, used: set[str]) -> None:
        """Remove the made files of every signature but `used` (this build's, kept or made)."""
        for file in (self.folder / "images").glob("*.pickle") if (self.folder / "images").is_dir() else []:
            if file.stem not in used:
                file.unlink(missing_ok=True)

    def shard_cache(self) -> ShardCache:
        return ShardCache(self.folder)

    def compiled_layouts(self) -> Path:
        """The folder of layouts compiled by Jinja2 (render.make_environment), one for each version of
        the code and of Jinja2 (which set how they compile; Jinja2's own check is of its bytecode
        format only); the other versions' go."""
        current = self.folder / f"compiled-{code_digest()}-{jinja2.__version__}"
        for old in self.folder.glob("compiled-*"):
            if old != current:
                shutil.rmtree(old, ignore_errors=True)
        current.mkdir(exist_ok=True)
        return current


class ShardCache:
    """Search shards' Pagefind bundles and router keys, by shard and input hash
    (pagefind-<shard>-<hash>/: bundle/, keys.pickle and .complete, which holds the token of the
    Pagefind run that made it). Pagefind does not write the same bytes twice (its issue #638):
    the cache is what makes the same records give the same files."""

    def __init__(self, folder: Path):
        self.folder = folder

    def entry(self, shard: str, digest: str) -> Path:
        return self.folder / f"pagefind-{shard}-{digest}"

    def run_of(self, shard: str, digest: str) -> str | None:
        """The token of the Pagefind run whose bundle is kept for these records, if one is."""
        complete = self.entry(shard, digest) / ".complete"
        if not complete.exists() or not self.keys_file(shard, digest).exists():  # without its keys: indexed again
            return None
        return complete.read_text()

    def bundle(self, shard: str, digest: str) -> Path:
        return self.entry(shard, digest) / "bundle"

    def keys_file(self, shard: str, digest: str) -> Path:
        return self.entry(shard, digest) / "keys.pickle"

    def keys(self, shard: str, digest: str) -> str | None:
        keys = read_pickle(self.keys_file(shard, digest))
        return keys if isinstance(keys, str) else None

    def store(self, fresh: Path, shard: str, digest: str, keys: str, run: str) -> Path:
        """Keep `fresh` (a folder of this cache holding bundle/) as the entry of these records."""
        (fresh / "keys.pickle").write_bytes(pickle.dumps(keys, protocol=pickle.HIGHEST_PROTOCOL))
        (fresh / ".complete").write_text(run)
        cached = self.entry(shard, digest)
        shutil.rmtree(cached, ignore_errors=True)
        os.rename(fresh, cached)
        return cached

    def keep_only(self, entries: dict[str, str]) -> None:
        """Remove every entry but those of these shards' hashes."""
        keep = {self.entry(shard, digest).name for shard, digest in entries.items()}
        for old in self.folder.glob("pagefind-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)


class StoredBody:
    """An article's body as the parse cache keeps it: in the bodies file of the article's folder
    (a month's bodies, named by their digest, so never rewritten in place), read, the whole file at
    once and the last few kept, when a page or a search record needs it. `len()` needs no reading."""

    __slots__ = ("file", "source", "length")

    def __init__(self, file: str, source: str, length: int):
        self.file, self.source, self.length = file, source, length

    def __len__(self) -> int:
        return self.length

    def __repr__(self) -> str:
        return f"StoredBody({self.file!r}, {self.source!r}, {self.length})"

    def read(self) -> str:
        return _bodies(self.file)[self.source]


@functools.lru_cache(maxsize=4)
def _bodies(file: str) -> dict[str, str]:
    try:
        with open(file, "rb") as f:
            return pickle.load(f)
    except Exception as exc:  # gone or damaged since the build began: the cache entries that need it go
        articles = Path(file).with_name("articles-" + Path(file).name.split("-")[1] + ".pickle")
        articles.unlink(missing_ok=True)
        raise BuildError([Problem(file, f"this file of the parse cache went missing or was damaged during the build "
                                  f"({exc}); build again: the articles of its folder will be read anew")]) from exc


class ParseCache:
    """Parsed articles (and issue files) kept between builds, one cache file per content folder of
    the first two levels (a month, usually), so that an edit rewrites one small file, and the
    articles' bodies beside it in a file of their own, read only when needed (StoredBody). A file's
    entry is used while its size and modification time are unchanged; `key` (code and settings)
    must match too."""

    def __init__(self, folder: Path | None, key: str):
        self.folder, self.key = folder, key
        self.entries: dict[str, tuple] = {}  # source → (size, mtime_ns, parsed)
        self.changed: set[str] = set()  # groups to write back
        self.used: set[str] = set()  # the files of this build
        self.bodies: dict[str, str] = {}  # group → the name of its bodies file
        if folder is None:
            return
        for file in sorted(folder.glob("articles-*.pickle")):
            stored = read_pickle(file)
            if not (isinstance(stored, dict) and stored.get("key") == key):
                continue
            name = stored.get("bodies")
            if name is not None:
                if not (folder / name).is_file():
                    continue  # its bodies are gone: its files are parsed again
                self.bodies[stored["group"]] = name
                for _, _, parsed in stored["entries"].values():
                    if isinstance(parsed, Article) and isinstance(parsed.body, StoredBody):
                        parsed.body.file = str(folder / name)
            self.entries.update(stored["entries"])
        known = set(self.bodies.values())
        for old in folder.glob("bodies-*.pickle"):  # left by a build killed while saving
            if old.name not in known:
                old.unlink(missing_ok=True)

    @staticmethod
    def group(source: str) -> str:
        return "/".join(source.split("/")[:2])

    def get(self, source: str, st: os.stat_result):
        self.used.add(source)
        entry = self.entries.get(source)
        return entry[2] if entry and entry[0] == st.st_size and entry[1] == st.st_mtime_ns else None

    def put(self, source: str, st: os.stat_result, parsed) -> None:
        self.entries[source] = (st.st_size, st.st_mtime_ns, parsed)
        self.changed.add(self.group(source))

    def save(self) -> None:
        """Write back the groups that changed, holding only the files this build read."""
        if self.folder is None:
            return
        for source in set(self.entries) - self.used:
            self.changed.add(self.group(source))
            del self.entries[source]
        by_group: dict[str, dict] = {group: {} for group in self.changed}
        for source, entry in self.entries.items():
            group = self.group(source)
            if group in by_group:
                by_group[group][source] = entry
        for group, entries in sorted(by_group.items()):
            self._save_group(group, entries)
        self.changed.clear()

    def _save_group(self, group: str, entries: dict[str, tuple]) -> None:
        """A group's cache file, and its articles' bodies in a file named by their digest; the
        articles of this build that read their bodies from the group's old file read the new one."""
        name = hashlib.blake2b(group.encode(), digest_size=8).hexdigest()
        file, old = self.folder / f"articles-{name}.pickle", self.bodies.pop(group, None)
        bodies = {source: parsed.body_html for source, (_, _, parsed) in entries.items() if isinstance(parsed, Article)}
        if entries:
            new = None
            if bodies:
                data = pickle.dumps(bodies, protocol=pickle.HIGHEST_PROTOCOL)
                self.bodies[group] = new = f"bodies-{name}-{hashlib.blake2b(data, digest_size=8).hexdigest()}.pickle"
                if new != old:
                    write_atomically(self.folder / new, data)
            stored = {source: (size, mtime, replace(parsed, body=StoredBody(new, source, len(bodies[source])))
                               if source in bodies else parsed) for source, (size, mtime, parsed) in entries.items()}
            write_pickle(file, {"key": self.key, "group": group, "entries": stored, "bodies": new})
            for source, (_, _, parsed) in entries.items():
                if isinstance(parsed, Article) and isinstance(parsed.body, StoredBody):
                    parsed.body.file = str(self.folder / new)
                elif isinstance(parsed, Article):  # the same body, read from the file now: not held twice
                    object.__setattr__(parsed, "body", StoredBody(str(self.folder / new), source, len(bodies[source])))
        else:  # the folder's articles are all gone
            file.unlink(missing_ok=True)
        if old is not None and old != self.bodies.get(group):
            (self.folder / old).unlink(missing_ok=True)
