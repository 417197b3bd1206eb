"""Pagefind's bundle rewritten the same way every time: byte-identical clean builds.

Pagefind 1.5.2 writes its filter files and the language's meta file in the order of a Rust hash
map, which changes from run to run, and names them by a hash of their bytes: two builds of the
same records differ in those files and names (the index and fragments are the same). Here each
filter's values are put in order, the meta file's list of filters and sorts too, and the files
are named again from their new bytes, the meta file's name written into pagefind-entry.json."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import cbor2

from .digests import blake16

MAGIC = b"pagefind_dcd"  # what every Pagefind data file starts with, once decompressed
FILTERS, SORTS = 3, 4  # the meta file's lists of [filter, file hash] and [sort, page order]


def read(path: Path):
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(MAGIC):
        raise ValueError(f"{path} is not a Pagefind data file")
    return cbor2.loads(data[len(MAGIC):])


def write(folder: Path, prefix: str, suffix: str, digits: int, value) -> str:
    """Write a data file named by its bytes (as Pagefind names them); return its hash name."""
    data = gzip.compress(MAGIC + cbor2.dumps(value), compresslevel=9, mtime=0)
    name = f"{prefix}_{blake16(data)[:digits]}"
    (folder / f"{name}{suffix}").write_bytes(data)
    return name


def canonicalize(bundle: Path) -> None:
    """Rewrite a fresh bundle's filter and meta files in a canonical order, under new names."""
    entry_file = bundle / "pagefind-entry.json"
    entry = json.loads(entry_file.read_text(encoding="utf-8"))
    for language, info in entry["languages"].items():
        meta_file = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta = read(meta_file)
        filters = []
        for name, old in meta[FILTERS]:
            old_file = bundle / "filter" / f"{old}.pf_filter"
            key, values = read(old_file)
            old_file.unlink()
            filters.append([name, write(bundle / "filter", language, ".pf_filter", 7, [key, sorted(values)])])
        meta[FILTERS] = sorted(filters)
        meta[SORTS] = sorted(meta[SORTS], key=lambda sort: sort[0])
        meta_file.unlink()
        info["hash"] = write(bundle, f"pagefind.{language}", ".pf_meta", 13, meta).removeprefix("pagefind.")
    entry_file.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
