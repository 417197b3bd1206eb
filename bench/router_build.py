"""Time and peak memory of making the shard router anew, from an archive that has been built.

    python bench/router_build.py SITE

SITE is a built site's folder (bench/scale.py --keep DIR leaves DIR/site): the shards' router
keys are read from its build cache (DIR/.newsarchive-cache/site/pagefind-*/keys.pickle), as a
clean build's router reads them, and router.update makes every bucket file from them. Prints the
keys, the time, the peak memory over what the keys themselves take, and a digest of the files
(equal digests: equal routers, whatever the code that made them).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import pickle
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsarchive.search import router  # noqa: E402


def resident_mb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    args = parser.parse_args()
    cache = args.site.parent / ".newsarchive-cache" / args.site.name
    keys, hashes = {}, {}
    for entry in sorted(cache.glob("pagefind-*")):
        shard, digest = entry.name.removeprefix("pagefind-").rsplit("-", 1)
        if (entry / "keys.pickle").exists():
            keys[shard], hashes[shard] = pickle.loads((entry / "keys.pickle").read_bytes()), digest
    if not keys:
        raise SystemExit(f"no shard keys in {cache}: build the site first")
    gc.freeze()
    before = resident_mb()
    print(f"{len(keys)} shards, {sum(k.count(chr(0)) + 1 for k in keys.values()):,} keys ({before} MB)", flush=True)
    started = time.perf_counter()
    files, _, state = router.update(hashes, keys.__getitem__, {}, None)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    digest = hashlib.sha256("".join(f"{name}\0{text}\n" for name, text in sorted(files.items())).encode()).hexdigest()
    print(f"router made anew: {seconds:.1f} s, {state['buckets']} buckets, {state['bytes'] / 1e6:.1f} MB of files; "
          f"peak {peak} MB ({peak - before} MB over the keys); digest {digest[:16]}")


if __name__ == "__main__":
    main()
