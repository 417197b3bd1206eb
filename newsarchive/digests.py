"""Digests: of bytes and texts, of the settings, of the package's code and of the layouts. What
the build's signatures and caches are made of."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from .config import DEFAULT_LAYOUTS, Config

PACKAGE = Path(__file__).resolve().parent


def blake16(data: bytes) -> str:
    """A 16-byte BLAKE2b digest in hex: of a file, a page, a record."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def digest_of(*parts: str) -> str:
    return blake16("\0".join(parts).encode("utf-8"))


def config_fingerprint(config: Config) -> str:
    """Every setting, in a stable order: what a cache made for other settings must not be used for."""
    return repr(sorted(vars(config).items()))


@functools.cache
def code_digest() -> str:
    """The package's own code: a new version may render anything differently."""
    digest = hashlib.blake2b(digest_size=16)
    for file in sorted(PACKAGE.rglob("*.py")):
        digest.update(file.relative_to(PACKAGE).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def layouts_digest(config: Config) -> str:
    """Every layout file (static files aside: they are copied, not rendered)."""
    digest = hashlib.blake2b(digest_size=16)
    for n, folder in enumerate(dict.fromkeys([config.layouts, DEFAULT_LAYOUTS])):
        if folder.is_dir():
            for file in sorted(p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).parts[0] != "static"):
                digest.update(f"{n}/{file.relative_to(folder).as_posix()}".encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()
