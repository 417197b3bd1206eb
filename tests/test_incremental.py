"""Rebuilds that keep what did not change: they must give exactly the site a clean build gives."""

import re
import shutil
from pathlib import Path

import pytest

from newsarchive import pipeline, write
from newsarchive.pipeline import build
from newsarchive.state import BuildState
from tests.conftest import make_config
from tests.factories import snapshot


def pagefind_order_only(key: str) -> bool:
    """Files Pagefind 1.5 writes in a varying order from run to run (its issue #638)."""
    return key.startswith("pagefind/") and ("/filter/" in key or key.endswith((".pf_meta", "/pagefind-entry.json")))


def assert_same_as_clean_build(config, tmp_path: Path, name: str, **settings) -> None:
    clean = make_config(tmp_path / f"clean-{name}", config.content, **settings)
    build(clean)
    got, want = snapshot(config.output), snapshot(clean.output)
    assert sorted(k for k in got.keys() ^ want.keys() if not pagefind_order_only(k)) == [], name
    differ = [k for k in want.keys() & got.keys() if got[k] != want[k] and not pagefind_order_only(k)]
    assert differ == [], (name, differ[:5])
    # Those named by their content: as many, in the same folders (no stale ones left behind).
    folders = lambda files: sorted(k.rsplit("/", 1)[0] for k in files if pagefind_order_only(k))  # noqa: E731
    assert folders(got) == folders(want), name
    shutil.rmtree(tmp_path / f"clean-{name}")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def archive(corpus_content, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(corpus_content, content)
    config = make_config(tmp_path / "live", content)
    first = build(config)
    assert first.rendered == first.pages
    return config


def test_incremental_builds_give_the_clean_build_after_every_kind_of_change(archive, tmp_path):
    config, content = archive, archive.content
    day = content / "1946/05/16"
    articles = sorted(day.glob("*.md"))
    total = build(config, force=True).pages

    # A typo fixed in one article's text: its page, its issue and the lists showing its excerpt.
    edit(articles[3], "\n---\n\n", "\n---\n\n（更正）")
    stats = build(config)
    assert 0 < stats.rendered < total / 5, stats
    assert stats.shards_reused == 0 or stats.shards == 1
    assert_same_as_clean_build(config, tmp_path, "text")

    # Headline, topics and a reporter whose name takes the slug of another (both get new URLs),
    # an alias, and the issue's own details.
    edit(articles[5], "title: ", "title: 新")
    text = re.sub(r"^(topics|reporter): .*\n", "", articles[6].read_text(encoding="utf-8"), flags=re.M)
    articles[6].write_text(text.replace("section: ", 'reporter: ["王冠", "王官"]\ntopics: ["新的主题"]\nsection: ', 1),
                           encoding="utf-8")
    edit(articles[7], "slug: ", "aliases: [/old/link/]\nslug: ")
    edit(day / "issue.yaml", 'paper: "人民日报"', 'paper: "人民日报"\nnote: "据原报影印本录入。"')
    build(config)
    assert_same_as_clean_build(config, tmp_path, "headline-terms-alias-issue")

    # A new day's issue, an article moved to another date, one deleted, one added to an issue.
    new_day = content / "1946/05/21"
    new_day.mkdir()
    for n, source in enumerate(articles[:3]):
        text = source.read_text(encoding="utf-8").replace("date: 1946-05-16", "date: 1946-05-21")
        (new_day / f"{n:03d}.md").write_text(text, encoding="utf-8")
    moved = articles[8]
    edit(moved, "date: 1946-05-16", "date: 1946-05-17")
    shutil.move(moved, content / "1946/05/17" / moved.name)
    articles[9].unlink()
    added = content / "1946/05/18/999-new.md"
    added.write_text("---\ntitle: 补录一篇\ndate: 1946-05-18\nsection: 要闻\npage: 9\n---\n\n补录的正文。\n", encoding="utf-8")
    build(config)
    assert_same_as_clean_build(config, tmp_path, "add-move-delete")

    # A whole day removed; then a layout changed: every page that uses it.
    shutil.rmtree(new_day)
    build(config)
    assert_same_as_clean_build(config, tmp_path, "day-removed")
    layouts = tmp_path / "layouts"
    shutil.copytree(pipeline.DEFAULT_LAYOUTS, layouts)
    edit(layouts / "article.html", "<h2 id=\"cite-title\">引用本文</h2>", "<h2 id=\"cite-title\">引用这篇文章</h2>")
    changed = make_config(tmp_path / "live", content, layouts=str(layouts))
    stats = build(changed)
    assert stats.rendered >= stats.articles
    assert_same_as_clean_build(changed, tmp_path, "layout", layouts=str(layouts))
    # The same layout file changed again: its compiled form in the cache (render.make_environment) is not used.
    edit(layouts / "article.html", "引用这篇文章</h2>", "如何引用</h2>")
    build(changed)
    assert "如何引用</h2>" in next(changed.output.glob("[0-9]*/*/*/*/index.html")).read_text(encoding="utf-8")
    assert_same_as_clean_build(changed, tmp_path, "layout-again", layouts=str(layouts))


def test_a_build_killed_while_moving_files_in_is_finished_by_the_next(archive, tmp_path, monkeypatch):
    config = archive
    page = sorted((config.content / "1946/05/16").glob("*.md"))[2]
    edit(page, "\n---\n\n", "\n---\n\n（更正）")
    real_replace, moves = write.os.replace, []

    def dies_after_one_move(source, target):
        if str(target).startswith(str(config.output)):  # a page moving into the site
            if moves:
                raise KeyboardInterrupt  # as if the process were killed here
            moves.append(target)
        real_replace(source, target)

    monkeypatch.setattr(write.os, "replace", dies_after_one_move)
    with pytest.raises(KeyboardInterrupt):
        build(config)
    monkeypatch.undo()
    assert len(moves) == 1
    assert BuildState(config).journal.exists()
    build(config)
    assert not BuildState(config).journal.exists()
    assert_same_as_clean_build(config, tmp_path, "killed")


def test_the_router_kept_up_to_date_is_the_one_a_clean_build_writes():
    """Shards edited, added after the others, removed: the router files written from the last
    build's state, with the unchanged ones kept, are byte for byte those of a clean build."""
    import random
    from newsarchive.search import SearchIndexer
    from tests.test_router import bucket_files
    rng = random.Random(7)
    chars = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    def some_keys(n):
        return {rng.choice(chars) + rng.choice(chars) for _ in range(n)} | set(rng.sample(chars, 20))
    def router(keys, state, site=None, old=None):  # site: the router files the last build left; old: its keys
        indexer = SearchIndexer(None)
        indexer.keys = {shard: "\0".join(k) for shard, k in keys.items()}
        indexer.old_keys = {shard: "\0".join(k) for shard, k in (old or {}).items()}
        return indexer.router({shard: str(sorted(k)) for shard, k in keys.items()}, state,
                              site and bucket_files(site))
    shards = {f"19{year}": some_keys(3000) for year in range(40, 46)}
    files, names, state = router(shards, None)
    site = dict(files)
    for step in range(30):
        previous, r = dict(shards), rng.random()
        if r < 0.15:  # an edit: a few keys gained and lost
            shard = rng.choice(sorted(shards))
            shards[shard] = shards[shard] - set(rng.sample(sorted(shards[shard]), 3)) | {rng.choice(chars) * 2}
        elif r < 0.3:
            shards[str(int(max(shards)) + 1)] = some_keys(rng.randint(50, 4000))
        elif r < 0.4 and len(shards) > 2:
            del shards[rng.choice(sorted(shards))]
        elif r < 0.5 and len(shards) > 2:
            del shards[max(shards)]  # the newest goes: slots stay
        else:  # sometimes it shrinks to almost nothing: buckets that only lose keys
            shards[rng.choice(sorted(shards))] = some_keys(rng.choice([2, rng.randint(50, 4000)]))
        # with the old keys of the shards indexed again or gone (most builds), or without (every key scanned)
        files, names, state = router(shards, state, site, previous if step % 3 else None)
        site = {name: text for name, text in {**site, **files}.items() if name in names}
        clean, clean_names, _ = router(shards, None)
        assert names == clean_names and site == clean, step


def test_a_new_day_leaves_the_older_list_pages_as_they_are(archive):
    config, content = archive, archive.content
    oldest = config.output / "sections/yao-wen/page/2/index.html"
    first = config.output / "sections/yao-wen/index.html"
    before = oldest.stat().st_ino, first.read_text(encoding="utf-8")
    new_day = content / "1946/05/21"
    new_day.mkdir()
    source = next(p for p in sorted((content / "1946/05/20").glob("*.md")) if "section: \"要闻\"" in p.read_text(encoding="utf-8"))
    (new_day / "000.md").write_text(source.read_text(encoding="utf-8").replace("date: 1946-05-20", "date: 1946-05-21"),
                                    encoding="utf-8")
    stats = build(config)
    assert oldest.stat().st_ino == before[0]  # not written again
    assert first.read_text(encoding="utf-8") != before[1] and stats.rendered < 40, stats


def test_a_shard_indexed_again_with_the_same_records_replaces_its_whole_bundle(archive):
    """The cached bundle gone (a clean-up), an article touched: the shard is indexed again from the
    same records, and Pagefind writes other bytes (issue #638) under some of the same names
    (pagefind-entry.json names its new metadata file): every file of the new run must go in."""
    import json
    import os
    config = archive
    cache = BuildState(config).folder
    for bundle in cache.glob("pagefind-*"):
        shutil.rmtree(bundle)
    article = next(iter(sorted(config.content.rglob("*.md"))))
    os.utime(article)  # same text: same records, same input hash
    stats = build(config)
    assert stats.shards_reused == 0
    (bundle,) = cache.glob("pagefind-1946-*")
    entry = json.loads((config.output / "pagefind/1946/pagefind-entry.json").read_text())
    for lang in entry["languages"].values():
        assert (config.output / f"pagefind/1946/pagefind.{lang['hash']}.pf_meta").exists()
    site_files = {p.relative_to(config.output / "pagefind/1946") for p in (config.output / "pagefind/1946").rglob("*") if p.is_file()}
    cached = {p.relative_to(bundle / "bundle") for p in (bundle / "bundle").rglob("*") if p.is_file()}
    assert site_files == cached
    assert all((config.output / "pagefind/1946" / rel).read_bytes() == (bundle / "bundle" / rel).read_bytes()
               for rel in cached)


def test_a_new_year_gives_the_clean_build(archive, tmp_path):
    """A year after the others: its archive page, the year before it (now with a following year),
    the list of years, a new index shard after the others, the router."""
    from tests.conftest import ROOT
    shutil.copytree(ROOT / "content", archive.content, dirs_exist_ok=True)  # 2024, after 1946
    stats = build(archive)
    assert stats.shards == 2 and stats.shards_reused == 1
    assert 'rel="next" href="../2024/index.html"' in (archive.output / "archive/1946/index.html").read_text(encoding="utf-8")
    assert_same_as_clean_build(archive, tmp_path, "new-year")


def test_the_router_is_updated_from_its_files_in_the_site_and_only_while_they_are_the_last_builds(archive, tmp_path):
    """The router's tables are its bucket files in the site: an edit reads the buckets of the keys
    it adds or removes from there; a bucket file changed since the last build is not trusted (all
    are made again)."""
    import json
    from newsarchive.search.router import bucket_file, route_bucket
    from tests.conftest import ROOT
    shutil.copytree(ROOT / "content", archive.content, dirs_exist_ok=True)  # two shards: a router
    build(archive)
    article = next(p for p in sorted((archive.content / "2024").rglob("*.md")) if "孔明灯" in p.read_text(encoding="utf-8"))
    edit(article, "孔明灯", "孔明燈")
    build(archive)
    assert_same_as_clean_build(archive, tmp_path, "edit-through-router-files")
    pagefind = archive.output / "pagefind"
    buckets = json.loads((pagefind / "router.json").read_text(encoding="utf-8"))["buckets"]
    tampered = pagefind / bucket_file(route_bucket("明燈", buckets))  # a bucket the next edit reaches
    table = json.loads(tampered.read_text(encoding="utf-8"))
    table["冒牌"] = "1"
    tampered.write_text(json.dumps(table, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    edit(article, "孔明燈", "孔明灯")
    build(archive)
    assert_same_as_clean_build(archive, tmp_path, "tampered-router-file")
