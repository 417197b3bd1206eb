"""The only writer of the output folder: stage everything (what it writes, and what other parts
of the build made in its scratch folders and it adopts), then swap it in."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path, PurePosixPath
from typing import Iterator

from .errors import BuildError, Problem
from .state import Manifest, write_atomically
from .urls import MARKER, output_file

STAGING_PREFIX = ".staging-"
OLD_PREFIX = ".old-"


class Writer:
    """Writes pages into a fresh staging folder beside the output; refuses to write a path twice."""

    def __init__(self, output: Path, keep: tuple[Path, ...] = ()):
        check_output(output, keep)
        self.output = output
        output.parent.mkdir(parents=True, exist_ok=True)
        restore_interrupted_swap(output)
        remove_abandoned(output)
        prefix = f"{STAGING_PREFIX}{output.name}-{os.getpid()}-"
        self.staging = Path(tempfile.mkdtemp(prefix=prefix, dir=output.parent))
        self.staging.chmod(0o755)
        self.written: set[str] = set()  # every file of the new site
        self.staged: set[str] = set()  # those written into the staging folder (the rest are kept)
        self.committing = False
        self._folders: set[Path] = set()  # made in staging (by this process)
        self._scratch: list[Path] = []  # folders beside staging that others fill, for `adopt`
        try:
            self.write_text(MARKER, "This folder is written by newsarchive; a build replaces it whole.\n")
        except BaseException:  # a full disk, already
            self.abort()
            raise

    def target(self, site_path: str, register: bool = True) -> Path:
        """The staging file for a site path; refuse anything that would land outside the site.

        A worker process writes with register=False and reports its paths to the main process,
        which registers them (and so still refuses a path written twice).
        """
        rel = inside_the_site(output_file(site_path))
        if register:
            self.register(rel)
        return self.staging / rel

    def register(self, rel: str, staged: bool = True) -> None:
        """Claim a file of the new site: written into staging, or (staged=False) kept from the last build."""
        if rel in self.written:
            raise BuildError([Problem(rel, "two pages would be written to the same file")])
        self.written.add(rel)
        if staged:
            self.staged.add(rel)

    def write_text(self, site_path: str, text: str) -> None:
        self.write_bytes(site_path, text.encode("utf-8"))

    def write_bytes(self, site_path: str, data: bytes, register: bool = True) -> None:
        path = self.target(site_path, register)
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        path.write_bytes(data)

    def scratch(self) -> Path:
        """An empty folder beside the staging one (same file system), for another part of the build
        to fill (the search index) and the writer to `adopt`; gone with the build."""
        prefix = f"{STAGING_PREFIX}{self.output.name}-{os.getpid()}-"  # removed as abandoned if the build dies
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=self.output.parent))
        self._scratch.append(folder)
        return folder

    def adopt(self, folder: Path, site_path: str) -> list[str]:
        """Make the files under `folder` the site's files under `site_path` (a folder path such as
        'pagefind/1946/'): claimed like any written file, moved into staging. Returns their files."""
        rels = sorted(f"{site_path}{file.relative_to(folder).as_posix()}" for file in folder.rglob("*") if file.is_file())
        for rel in rels:
            self.register(rel)
        target = self.staging / inside_the_site(site_path)
        if target.exists():
            raise BuildError([Problem(site_path, "refusing to adopt files over ones already written")])
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(folder, target)
        return rels

    def _drop_scratch(self) -> None:
        for folder in self._scratch:
            shutil.rmtree(folder, ignore_errors=True)
        self._scratch.clear()

    def commit(self, changed: set[str] | None = None, removed: set[str] = frozenset(), journal: Path | None = None,
               manifest: Manifest | None = None, manifest_file: Path | None = None) -> None:
        """Make the staged build the site.

        With nothing kept from the last build (changed is None), the staging folder replaces the
        output folder in one rename. Otherwise only `changed` files (staged) move in and `removed`
        ones go, following a journal written first: a build killed midway is finished by the next
        one (`finish_commit`). When most files changed, the kept ones are linked into staging
        and the folders swapped instead.

        `manifest` (what the build wrote) is saved in `manifest_file` with the identity of the
        site's marker file, so that the next build knows the site is still this one.
        """
        self._drop_scratch()
        if changed is not None and self.output.exists():
            kept = self.written - self.staged
            if len(changed) <= len(kept):
                self.commit_changes(changed, removed, journal, manifest, manifest_file)
                return
            for rel in kept:
                target = self.staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(self.output / rel, target)
        self.swap()
        if manifest is not None:
            manifest.save(manifest_file, self.output / MARKER)

    def commit_changes(self, changed: set[str], removed: set[str], journal: Path, manifest: Manifest,
                       manifest_file: Path) -> None:
        marker = (self.staging if MARKER in changed else self.output) / MARKER  # a move keeps the identity
        manifest.save(manifest_file.with_suffix(".next"), marker)
        record = {"staging": str(self.staging), "output": str(self.output), "moves": sorted(changed),
                  "deletes": sorted(removed), "manifest": str(manifest_file)}
        write_atomically(journal, json.dumps(record, ensure_ascii=False).encode())
        self.committing = True  # from here on the staged files belong to the journal
        finish_commit(journal)

    def swap(self) -> None:
        """Replace the output folder with the staged one. The old one is removed only after."""
        old = None
        if self.output.exists():
            prefix = f"{OLD_PREFIX}{self.output.name}-{os.getpid()}-"
            old = Path(tempfile.mkdtemp(prefix=prefix, dir=self.output.parent))
            try:
                os.rename(self.output, old / self.output.name)
            except OSError:  # a mount point, say: nothing moved
                old.rmdir()
                raise
        os.rename(self.staging, self.output)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        """Throw the staged build away; the previous output stays as it was. (Once a journal
        is written, the staged files are kept for the next build to finish the commit.)"""
        self._drop_scratch()
        if not self.committing:
            shutil.rmtree(self.staging, ignore_errors=True)


def inside_the_site(rel: str) -> str:
    """A path relative to the output folder, refused if it would land outside it."""
    pure = PurePosixPath(rel)
    if "\x00" in rel or pure.is_absolute() or ".." in pure.parts or rel.startswith("/"):
        raise BuildError([Problem(rel, "refusing to write outside the site folder")])
    return rel


def finish_commit(journal: Path) -> None:
    """Carry out (or finish, after a kill) a journal of moves and deletions; then the new manifest."""
    record = json.loads(journal.read_text(encoding="utf-8"))
    staging, output = Path(record["staging"]), Path(record["output"])
    made: set[Path] = set()
    for rel in record["moves"]:
        source = staging / rel
        if source.exists():
            target = output / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            os.replace(source, target)
    for rel in record["deletes"]:
        target = output / rel
        target.unlink(missing_ok=True)
        folder = target.parent
        while folder != output and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    manifest = Path(record["manifest"])
    if manifest.with_suffix(".next").exists():
        os.replace(manifest.with_suffix(".next"), manifest)
    shutil.rmtree(staging, ignore_errors=True)
    journal.unlink()


def restore_interrupted_swap(output: Path) -> None:
    """A build killed between the two renames of `swap` left no output folder, and the last good
    site in its old folder: put it back (before anything could remove it)."""
    if output.exists():
        return
    prefix = f"{OLD_PREFIX}{output.name}-"
    for folder in sorted(output.parent.glob(f"{prefix}*"), key=lambda f: f.stat().st_mtime_ns, reverse=True):
        pid = folder.name[len(prefix):].split("-")[0]
        if pid.isdigit() and not process_alive(int(pid)) and (folder / output.name / MARKER).exists():
            os.rename(folder / output.name, output)
            return


def remove_abandoned(output: Path) -> None:
    """Remove staging and old folders left by builds that were killed (their process is gone);
    never the last copy of the site (see restore_interrupted_swap)."""
    restore_interrupted_swap(output)
    for prefix in (STAGING_PREFIX, OLD_PREFIX):
        remove_abandoned_folders(output.parent, f"{prefix}{output.name}-")


@contextlib.contextmanager
def output_lock(lock_file: Path) -> Iterator[None]:
    """Held by a build from its first look at the output folder to its last write: a second build
    of the same folder (`serve` and one by hand) waits for it, saying so."""
    with open(lock_file, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "?"
            print(f"另一个构建（进程 {holder}）正在写入 {lock_file.parent.name}，等待它结束…… "
                  f"(another build is writing this site; waiting)", file=sys.stderr, flush=True)
            fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        try:
            yield
        finally:
            f.truncate(0)
            fcntl.flock(f, fcntl.LOCK_UN)


def remove_abandoned_folders(parent: Path, prefix: str) -> None:
    """Remove folders named <prefix><pid>-… whose process is gone (a build killed midway)."""
    for folder in parent.glob(f"{prefix}*"):
        pid = folder.name[len(prefix):].split("-")[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_output(output: Path, keep: tuple[Path, ...]) -> None:
    """Refuse an output folder that holds the user's files, or lies among them: a build replaces
    it whole, and keeps its cache beside it. Only looks: nothing is written before this passes."""
    output = output.resolve()
    for folder in keep:
        folder = folder.resolve()
        if output == folder or output in folder.parents:
            raise BuildError([Problem(str(output), f"the output folder must not contain {folder}")])
        if folder in output.parents:
            raise BuildError([Problem(str(output), f"the output folder must not be inside {folder}: the site "
                                      "and its cache would be written among the files it is built from")])
    if output.exists() and (not output.is_dir() or (any(output.iterdir()) and not (output / MARKER).exists())):
        raise BuildError([Problem(str(output), "the output folder exists and was not written by newsarchive; "
                                  "refusing to replace it (remove it or choose another --out)")])
