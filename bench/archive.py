"""The archives benchmarks measure: by default real-looking text that does not repeat
(../shared/tools/gen_archive.py), or the 1946 corpus's six issues repeated (for comparison only:
repeated text indexes several times smaller and faster than any real archive)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.corpus import write_archive

GENERATOR = Path(__file__).resolve().parent.parent.parent / "shared" / "tools" / "gen_archive.py"
TEXTS = ("real", "repeated")


def make_archive(content: Path, n: int, text: str = "real", seed: int = 1) -> None:
    """Write an n-article content folder: generated text that does not repeat, or the corpus repeated."""
    if text == "repeated":
        write_archive(content, n)
        return
    if not GENERATOR.exists():
        raise SystemExit(f"the archive generator is not at {GENERATOR} (or use --text repeated)")
    subprocess.run([sys.executable, str(GENERATOR), str(n), str(content), "--format", "newsarchive",
                    "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
