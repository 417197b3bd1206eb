"""The built sample, file for file, against its golden copy (tests/golden/sample/, without the
Pagefind bundle): any change to what a reader gets shows here as a diff. When the change is meant,
refresh the copy with `python -m pytest tests/test_golden.py --update-golden` and commit it.
(The layouts' static files are left out: they are copied as they are.)"""

from __future__ import annotations

import difflib
import shutil

from tests.factories import ROOT, snapshot

GOLDEN = ROOT / "tests" / "golden" / "sample"


def published(site) -> dict[str, bytes]:
    """What the build makes: not the Pagefind bundle, nor static/ (layouts/static/, copied as it is)."""
    return {rel: data for rel, data in snapshot(site).items() if not rel.startswith(("pagefind/", "static/"))}


def first_difference(rel: str, got: bytes, want: bytes) -> str:
    try:
        lines = difflib.unified_diff(want.decode().splitlines(), got.decode().splitlines(), f"golden/{rel}", rel,
                                     lineterm="", n=1)
        return "\n".join(list(lines)[:40])
    except UnicodeDecodeError:
        return f"{rel}: binary files differ"


def test_the_built_sample_matches_its_golden_copy(sample_site, request):
    built = published(sample_site)
    if request.config.getoption("--update-golden"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in built.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    golden = snapshot(GOLDEN)
    assert sorted(built) == sorted(golden), "files added or gone (refresh with --update-golden if meant): " + \
        ", ".join(sorted(set(built) ^ set(golden))[:20])
    differ = [rel for rel in sorted(built) if built[rel] != golden[rel]]
    assert not differ, (f"{len(differ)} files differ from the golden copy (refresh with --update-golden if meant):\n"
                        + first_difference(differ[0], built[differ[0]], golden[differ[0]]))
