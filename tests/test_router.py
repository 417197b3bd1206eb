"""The shard router's incremental update gives what a clean build's router would."""

from __future__ import annotations

import copy
import random

import pytest

from newsarchive.search import router

HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"


def shard_keys(text: str) -> str:
    keys = set(text) | {text[k:k + 2] for k in range(len(text) - 1)}
    return "\0".join(sorted(keys))


def router_of(shards: dict[str, str], hashes: dict[str, str], state=None):
    return router.update(hashes, lambda shard: shards[shard], {}, copy.deepcopy(state))


def site_files(result, kept: dict[str, str] | None = None) -> dict[str, str]:
    """The router files a site holds after a build: the ones written, and the ones kept as they were."""
    files, names, _ = result
    kept = kept or {}
    return {name: files[name] if name in files else kept[name] for name in names}


def bucket_files(site: dict[str, str]) -> dict[int, str]:
    """The bucket files of a site's router files, by bucket number (as router.update reads them)."""
    return {router.bucket_number(name): text for name, text in site.items() if name != router.META}


@pytest.mark.parametrize("change", ["edit", "add", "remove-last", "grow"])
def test_the_router_updated_for_a_changed_shard_is_the_clean_builds(change):
    rng = random.Random(change)
    text = {f"19{n:02d}": "".join(rng.choice(HAN) for _ in range(1500)) for n in range(40, 52)}
    hashes = {shard: f"h-{shard}" for shard in text}
    before = router_of({s: shard_keys(t) for s, t in text.items()}, hashes)
    after_text, after_hashes = dict(text), dict(hashes)
    if change == "edit":
        after_text["1945"] = text["1945"][:700] + "孔明灯" + text["1945"][900:]
        after_hashes["1945"] = "h-1945-edited"
    elif change == "add":
        after_text["1952"], after_hashes["1952"] = "".join(rng.choice(HAN) for _ in range(800)), "h-1952"
    elif change == "remove-last":
        del after_text["1951"], after_hashes["1951"]
    else:  # so many new keys that the buckets double
        after_text["1951"] = text["1951"] + "".join(rng.choice(HAN) for _ in range(30000))
        after_hashes["1951"] = "h-1951-grown"
    all_keys = {s: shard_keys(t) for s, t in after_text.items()}
    clean = router_of(all_keys, after_hashes)
    old_keys = {s: shard_keys(text[s]) for s in text if s not in after_hashes or after_hashes[s] != hashes[s]}
    reindexed = {s: k for s, k in all_keys.items() if after_hashes[s] != hashes.get(s)}  # only what was re-indexed
    keys_for = lambda shard: reindexed[shard]  # noqa: E731
    site = site_files(before)
    read = bucket_files(site)  # the tables: the site's bucket files
    # old_keys: as SearchIndexer.build reads them from the old bundles
    incremental = router.update(after_hashes, keys_for, old_keys, copy.deepcopy(before[2]), read)
    assert site_files(incremental, site) == site_files(clean)
    assert incremental[2] == clean[2]
    # without them: every key scanned, the same result
    assert site_files(router.update(after_hashes, keys_for, {}, copy.deepcopy(before[2]), read), site) \
        == site_files(clean)


def test_a_keys_bits_are_written_in_their_shortest_form_and_read_back():
    import json
    rng = random.Random(3)
    forms = set()
    for _ in range(3000):
        width = rng.choice([2, 9, 40, 300, 900])
        bits = 0
        for _ in range(rng.choice([1, 2, 3, 6, 20, width])):
            bits |= 1 << rng.randrange(width)
        value = router.encode(bits)
        assert router.decode(value) == bits
        slots = [n for n in range(bits.bit_length()) if bits >> n & 1]
        written = json.dumps(value, separators=(",", ":"))
        assert router.written(value) == written  # as _fresh writes it
        shortest = min(len(json.dumps(slots[0] if len(slots) == 1 else slots, separators=(",", ":"))),
                       len(json.dumps(format(bits, "x"))))
        assert len(written) == shortest, (bits, value)
        assert router.entry_bytes("明燈", value) == len(json.dumps({"明燈": value}, ensure_ascii=False,
                                                                   separators=(",", ":")).encode()) + 1 - 2
        forms.add(type(value))
    assert forms == {int, list, str}
