"""The shard router: for every Han character and pair of adjacent Han characters of the articles,
the shards that hold it, as a bit set (bit n: the n-th shard in name order, which is date order —
pagefind/shards.json lists them newest first; written in the shortest of three forms, see `encode`), in
buckets by a hash the search page computes too. A query is only sent to the shards
holding all its pairs: a word found nowhere costs a few kilobytes.

The router is updated from the last build's state and its bucket files as the site holds them
(the files are the tables, with no second copy in the cache: only the buckets a change reaches are
read, and their bits become numbers only for the keys it touches). Only the shards whose input hash
changed are taken out and put back, and only the buckets whose keys changed are written again; the
files are those a clean build would write (tests/test_router.py)."""

from __future__ import annotations

import json
import re
import sys
from itertools import chain
from typing import Callable, Iterable, Iterator, Mapping

from ..text import HAN, HAN_RANGES

BUCKET_BYTES = 8000  # a router file's size, about, at most
MAX_BUCKETS = 8192  # at 100k articles (49 MB of router) a bucket is 6 KB; a query reads 2–4
FORMAT = 3  # of the router's state in the cache
META = "router.json"  # under pagefind/, beside the bucket files router/<n>.json

_HAN_RUN = re.compile(f"[{HAN}]+")


def route_keys(texts: Iterable[str]) -> set[str]:
    """Han characters, and pairs of Han characters adjacent once whitespace is removed, of the texts.

    The runs of Han characters are joined with NUL between them and the pairs read as 64-bit
    words of its UTF-32 form (at two offsets, so every adjacent pair), without making a string
    per pair: 0.09 s instead of 0.15 s for a shard of 850 articles."""
    runs = "\0".join(run for text in texts for run in _HAN_RUN.findall("".join(text.split())))
    keys = set(runs)
    keys.discard("\0")
    little = sys.byteorder == "little"
    wide = memoryview(runs.encode("utf-32-le" if little else "utf-32-be"))
    pairs = set(wide[:len(wide) // 8 * 8].cast("Q"))
    pairs.update(wide[4:4 + (len(wide) - 4) // 8 * 8].cast("Q"))
    for p in pairs:
        first, second = (p & 0xFFFFFFFF, p >> 32) if little else (p >> 32, p & 0xFFFFFFFF)
        if first and second:  # not across a NUL
            keys.add(chr(first) + chr(second))
    return keys


def keys_of(joined: str) -> list[str]:
    """Router keys from their NUL-joined form (how a shard's keys travel and are kept)."""
    return joined.split("\0") if joined else []


def route_bucket(key: str, buckets: int) -> int:
    """The router file of a key; the search page computes the same (search-engine.js routeBucket)."""
    h = 0
    for ch in key:
        h = (h * 31 + ord(ch)) % 1000003
    return h % buckets


def bucket_file(n: int | str) -> str:
    return f"router/{n}.json"


_BUCKET_FILE = re.compile(r"router/(\d+)\.json")


def bucket_number(name: str) -> int | None:
    """The bucket of a router file's name (bucket_file's inverse); None for any other name."""
    m = _BUCKET_FILE.fullmatch(name)
    return int(m.group(1)) if m else None


Value = int | list[int] | str  # a key's bits as its bucket file holds them (see encode)


def encode(bits: int) -> Value:
    """A key's bits as written: one slot as its number, a few as a list of their numbers, more as
    hexadecimal digits (whichever is shorter). Most keys are in one shard or a few: at 10k
    articles in 82 shards, 62 % in one and 14 % in two, so the router's files take 7.1 MB
    instead of the 11.0 MB of digits alone (search-engine.js bitsOf reads all three forms)."""
    count = bits.bit_count()
    if count == 1:
        return bits.bit_length() - 1
    digits = format(bits, "x")
    if count * 2 + 1 > _chars(digits):  # a list longer than the digits, even of one-digit numbers
        return digits
    slots, rest = [], bits
    while rest:
        low = rest & -rest
        slots.append(low.bit_length() - 1)
        rest ^= low
    return slots if _chars(slots) <= _chars(digits) else digits


def slots_bits(slots: list[int]) -> int:
    bits = 0
    for n in slots:
        bits |= 1 << n
    return bits


def decode(value: Value) -> int:
    """encode's inverse."""
    if isinstance(value, int):
        return 1 << value
    if isinstance(value, list):
        return slots_bits(value)
    return int(value, 16)


def _chars(value: Value) -> int:
    """The characters of a value as its bucket file writes it (compact JSON)."""
    return len(written(value))


def written(value: Value) -> str:
    """A value as its bucket file writes it (compact JSON: numbers, or hexadecimal digits)."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(map(str, value)) + "]"
    return f'"{value}"'


def entry_bytes(key: str, value: Value) -> int:
    """The bytes of a key's entry in its bucket file ("key":value,)."""
    return len(key.encode()) + _chars(value) + 4


class Tables:
    """The buckets (key → its bits as encoded in the bucket's file), each read when first
    used from `files` (bucket number → its JSON as the site holds it; a bucket with no file has no
    keys)."""

    def __init__(self, count: int, files: Mapping[int, str] | None = None):
        self.count, self.files, self.loaded = count, files or {}, {}

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, n: int) -> dict[str, Value]:
        table = self.loaded.get(n)
        if table is None:
            table = self.loaded[n] = json.loads(self.files[n]) if n in self.files else {}
        return table

    def __iter__(self) -> Iterator[dict[str, Value]]:
        return (self[n] for n in range(self.count))

    def held(self, n: int) -> bool:
        """Whether bucket n has keys (without reading it when it was not touched)."""
        return bool(self.loaded[n]) if n in self.loaded else n in self.files

    def replace(self, tables: list[dict[str, Value]]) -> None:
        self.count, self.loaded = len(tables), dict(enumerate(tables))


def update(hashes: dict[str, str], keys_for: Callable[[str], str], old_keys: dict[str, str],
           state: dict | None, files: Mapping[int, str] | None = None) -> tuple[dict[str, str], set[str], dict]:
    """The router for the shards' input `hashes`, from the last build's `state` (None: made anew)
    and its bucket `files` (bucket number → its JSON as the site holds it).
    `keys_for(shard)`: a changed shard's keys (NUL-joined); `old_keys`: the last build's keys of shards indexed
    again or gone (NUL-joined): a shard indexed again in its slot changes only the keys it gained
    or lost, so only their buckets are read and written; without its old keys every key of every
    bucket is looked at.

    Returns the files (name → JSON) that changed, the names of all router files, and the state
    for the next build."""
    order = sorted(hashes)
    state = _usable(state, order)
    if not state["buckets"]:  # made anew: no file read
        state["hashes"] = dict(hashes)
        return _fresh(order, keys_for, state)
    add, remove, unknown = _changed_shards(state, order, hashes, keys_for, old_keys)
    state["hashes"] = dict(hashes)
    tables = Tables(state["buckets"], files)
    before = _take_out(tables, state, _bits_to_clear(tables, remove, unknown)) if remove or unknown else {}
    changed = _put_in(tables, state, add, before)
    buckets = _bucket_count(state["bytes"])  # of the files' exact size: a clean build counts the same
    if buckets != len(tables):
        changed = _rebucket(tables, buckets)
    # a key taken out may be put back as it was (by another shard): only buckets that end up
    # otherwise are written again
    changed.update(n for (n, key), bits in before.items() if n < len(tables) and tables[n].get(key) != bits)
    state["buckets"] = buckets
    out = _meta(buckets)
    for n in sorted(changed):
        if tables[n]:
            out[bucket_file(n)] = json.dumps(dict(sorted(tables[n].items())), ensure_ascii=False, separators=(",", ":"))
    return out, {META} | {bucket_file(n) for n in range(buckets) if tables.held(n)}, state


def _meta(buckets: int) -> dict[str, str]:
    """The router's own file. Slot n is the n-th shard in name order: the page counts it in the shard
    list (newest first), which a first query loads anyway, so this file names no shard."""
    return {META: json.dumps({"buckets": buckets}, separators=(",", ":"))}


def _key_parts(ends: tuple[int, ...]) -> tuple[re.Pattern, ...]:
    """Patterns finding, in NUL-joined keys, those whose last character is below the first end,
    then from there below the second, and so on (Han characters only: a key has nothing else)."""
    parts, low = [], 0
    for end in ends:
        spans = [(max(a, low), min(b, end - 1)) for a, b in HAN_RANGES if max(a, low) <= min(b, end - 1)]
        chars = "".join(f"{chr(a)}-{chr(b)}" for a, b in spans)
        parts.append(re.compile(f"(?<![^\0])[^\0]?[{chars}](?![^\0])"))
        low = end
    return tuple(parts)


# The keys made anew in four parts of about the same size, one after the other: at 100k articles
# (36.6 M keys of 820 shards, 1.5 M of them different) the bits of all of them at once took 450 MB.
_PARTS = _key_parts((0x5C00, 0x6A00, 0x7D00, sys.maxunicode + 1))
_ONE_CHARACTER = re.compile("(?<![^\0])[^\0](?![^\0])")


def _characters(joined: str) -> str:
    """The Han characters among a shard's NUL-joined keys, sorted (the router's state keeps them
    for the script variants the search page is given, see pipeline.extras)."""
    return "".join(sorted(_ONE_CHARACTER.findall(joined)))


def _fresh(order: list[str], keys_for: Callable[[str], str], state: dict) -> tuple[dict[str, str], set[str], dict]:
    """update's result for a new state: every shard's keys in its slot, a part of the keys at a
    time; each key's entry written at once, and the entries sorted into the bucket files at the end
    (keys of Han characters only, so an entry sorts as its key does)."""
    entries: list[list[str]] = [[] for _ in range(MAX_BUCKETS)]  # by route_bucket(key, MAX_BUCKETS)
    for part in _PARTS:
        bits_of: dict[str, int] = {}
        for n, shard in enumerate(order):
            bit, joined = 1 << n, keys_for(shard)  # read again for each part: held, they were 233 MB at 100k
            if part is _PARTS[0]:
                state["slots"][shard] = n
                state["chars"][shard] = _characters(joined)
            for key in part.findall(joined):
                bits_of[key] = bits_of.get(key, 0) | bit
        for key, bits in bits_of.items():
            value = encode(bits)
            state["bytes"] += entry_bytes(key, value)
            entries[route_bucket(key, MAX_BUCKETS)].append(f'"{key}":{written(value)}')
        del bits_of
    # a power of two of buckets divides MAX_BUCKETS: bucket n of them holds buckets n, n + buckets… of MAX_BUCKETS
    buckets = state["buckets"] = _bucket_count(state["bytes"])
    out = _meta(buckets)
    for n in range(buckets):
        held = sorted(chain.from_iterable(entries[m] for m in range(n, MAX_BUCKETS, buckets)))
        if held:
            out[bucket_file(n)] = "{" + ",".join(held) + "}"
    return out, set(out), state


def _usable(state: dict | None, order: list[str]) -> dict:
    """The last state, or a new one when there is none or slots would move (a shard added or gone
    before others: everything is made again)."""
    slot_of = {shard: n for n, shard in enumerate(order)}
    if (state is None or state.get("format") != FORMAT
            or any(slot_of[shard] != n for shard, n in state["slots"].items() if shard in slot_of)):
        return {"format": FORMAT, "slots": {}, "hashes": {}, "chars": {}, "buckets": 0, "bytes": 0}
    return state


def _changed_shards(state: dict, order: list[str], hashes: dict[str, str], keys_for,
                    old_keys: dict[str, str]) -> tuple[dict[str, int], dict[str, int], int]:
    """For the shards whose hash changed: the keys to add (key → bits), the keys to take bits out
    of (key → bits), and the bits to take out of every key (of shards whose old keys are unknown)."""
    slots = state["slots"]
    add: dict[str, int] = {}
    remove: dict[str, int] = {}
    unknown = 0
    for shard in [shard for shard in slots if shard not in hashes]:  # gone (after all the others)
        bit = 1 << slots.pop(shard)
        state["chars"].pop(shard, None)
        if shard in old_keys:
            for key in keys_of(old_keys[shard]):
                remove[key] = remove.get(key, 0) | bit
        else:
            unknown |= bit
    for n, shard in enumerate(order):
        if slots.get(shard) == n and state["hashes"].get(shard) == hashes[shard]:
            continue
        joined = keys_for(shard)
        bit, keys = 1 << n, keys_of(joined)
        state["chars"][shard] = _characters(joined)
        if shard in slots and shard in old_keys:  # in its slot (see _usable): only what it gained or lost
            old, new = set(keys_of(old_keys[shard])), set(keys)
            for key in old - new:
                remove[key] = remove.get(key, 0) | bit
            keys = new - old
        elif shard in slots:
            unknown |= bit
        slots[shard] = n
        for key in keys:
            add[key] = add.get(key, 0) | bit
    return add, remove, unknown


def _bits_to_clear(tables: Tables, remove: dict[str, int], unknown: int) -> dict[int, dict[str, int]]:
    """Bucket → key → the bits to clear: the keys shards lost, and with `unknown` bits every key of
    every bucket."""
    hits: dict[int, dict[str, int]] = {}
    if unknown:
        for n, table in enumerate(tables):
            hits[n] = {key: unknown | remove.get(key, 0) for key in table}
        return hits
    for key, bits in remove.items():
        hits.setdefault(route_bucket(key, len(tables)), {})[key] = bits
    return hits


def _take_out(tables: Tables, state: dict, hits: dict[int, dict[str, int]]) -> dict:
    """Clear the bits (keeping state["bytes"], the bucket files' size, up to date); returns
    (bucket, key) → its value before, for the keys that had some."""
    before = {}
    for n, keys in hits.items():
        table = tables[n]
        for key, mask in keys.items():
            held = table.get(key)
            old = decode(held) if held is not None else 0
            if not old & mask:
                continue
            before[n, key] = held  # changed only if the key ends up otherwise (see update)
            bits = old & ~mask
            state["bytes"] -= entry_bytes(key, held)
            if bits:
                table[key] = encode(bits)
                state["bytes"] += entry_bytes(key, table[key])
            else:
                del table[key]
    return before


def _bucket_count(size: int) -> int:
    """Buckets enough for BUCKET_BYTES a file of bucket files of `size` bytes (a power of two)."""
    buckets = 1
    while size / buckets > BUCKET_BYTES and buckets < MAX_BUCKETS:
        buckets *= 2
    return buckets


def _rebucket(tables: Tables, buckets: int) -> set[int]:
    """Every key into its bucket of `buckets`; all of them changed."""
    fresh: list[dict[str, Value]] = [{} for _ in range(buckets)]
    for table in tables:
        for key, bits in table.items():
            fresh[route_bucket(key, buckets)][key] = bits
    tables.replace(fresh)
    return set(range(buckets))


def _put_in(tables: Tables, state: dict, add: dict[str, int], before: dict) -> set[int]:
    """Set the bits of the keys added (keeping state["bytes"] up to date); returns the buckets
    changed (those of keys taken out are judged by their end state, in update)."""
    changed = set()
    for key, bits in add.items():
        n = route_bucket(key, len(tables))
        table = tables[n]
        held = table.get(key)
        old = decode(held) if held is not None else 0
        if old | bits != old:
            if held is not None:
                state["bytes"] -= entry_bytes(key, held)
            table[key] = encode(old | bits)
            state["bytes"] += entry_bytes(key, table[key])
            if (n, key) not in before:
                changed.add(n)
    return changed


def chars(state: dict) -> set[str]:
    """Every Han character the index holds (from the router's state)."""
    return set().union(*state["chars"].values())
