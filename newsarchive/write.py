"""The only writer of the output folder: stage everything, then swap it in."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from .errors import BuildError, Problem
from .urls import output_file

STAGING_PREFIX = ".staging-"
OLD_PREFIX = ".old-"
MARKER = ".newsarchive-build"  # marks a folder this tool wrote, so it may replace it


class Writer:
    """Writes pages into a fresh staging folder beside the output; refuses to write a path twice."""

    def __init__(self, output: Path, keep: tuple[Path, ...] = ()):
        check_output(output, keep)
        self.output = output
        output.parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned(output)
        prefix = f"{STAGING_PREFIX}{output.name}-{os.getpid()}-"
        self.staging = Path(tempfile.mkdtemp(prefix=prefix, dir=output.parent))
        self.staging.chmod(0o755)
        self.written: set[str] = set()
        self.write_text(MARKER, "This folder is written by newsarchive; a build replaces it whole.\n")

    def target(self, site_path: str, register: bool = True) -> Path:
        """The staging file for a site path; refuse anything that would land outside the site.

        A worker process writes with register=False and reports its paths to the main process,
        which registers them (and so still refuses a path written twice).
        """
        rel = output_file(site_path)
        pure = PurePosixPath(rel)
        if "\x00" in rel or pure.is_absolute() or ".." in pure.parts or rel.startswith("/"):
            raise BuildError([Problem(rel, "refusing to write outside the site folder")])
        if register:
            self.register(rel)
        return self.staging / rel

    def register(self, rel: str) -> None:
        if rel in self.written:
            raise BuildError([Problem(rel, "two pages would be written to the same file")])
        self.written.add(rel)

    def write_text(self, site_path: str, text: str) -> None:
        self.write_bytes(site_path, text.encode("utf-8"))

    def write_bytes(self, site_path: str, data: bytes, register: bool = True) -> None:
        path = self.target(site_path, register)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def commit(self) -> None:
        """Replace the output folder with the staged one. The old one is removed only after."""
        old = None
        if self.output.exists():
            prefix = f"{OLD_PREFIX}{self.output.name}-{os.getpid()}-"
            old = Path(tempfile.mkdtemp(prefix=prefix, dir=self.output.parent))
            os.rename(self.output, old / self.output.name)
        os.rename(self.staging, self.output)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        """Throw the staged build away; the previous output stays as it was."""
        shutil.rmtree(self.staging, ignore_errors=True)


def remove_abandoned(output: Path) -> None:
    """Remove staging and old folders left by builds that were killed (their process is gone)."""
    for prefix in (STAGING_PREFIX, OLD_PREFIX):
        remove_abandoned_folders(output.parent, f"{prefix}{output.name}-")


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
    """Refuse an output folder that holds the user's files: a build replaces it whole."""
    output = output.resolve()
    for folder in keep:
        folder = folder.resolve()
        if output == folder or output in folder.parents:
            raise BuildError([Problem(str(output), f"the output folder must not contain {folder}")])
    if output.exists() and (not output.is_dir() or (any(output.iterdir()) and not (output / MARKER).exists())):
        raise BuildError([Problem(str(output), "the output folder exists and was not written by newsarchive; "
                                  "refusing to replace it (remove it or choose another --out)")])
