"""What a build remembers between runs (newsarchive.state): kept, found again, and never trusted
when it does not fit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from newsarchive.errors import BuildError
from newsarchive.state import BuildState, Manifest, ParseCache, StoredBody, Unit, write_atomically
from tests.factories import ROOT, article_text, make_article, make_config, write


def test_a_manifest_is_found_again_only_for_the_output_folder_it_describes(tmp_path):
    marker = write(tmp_path / "site" / ".newsarchive-build", "x")
    manifest = Manifest({"article a": Unit("sig", {"a/index.html": "d1"}), "static": Unit(None, {"s.css": "d2"})},
                        {"format": 1})
    manifest.save(tmp_path / "manifest.pickle", marker)
    found = Manifest.load(tmp_path / "manifest.pickle", marker)
    assert found == manifest and found.files() == {"a/index.html": "d1", "s.css": "d2"}
    assert found.units["article a"].signature == "sig"
    os.replace(write(tmp_path / "other", "x"), marker)  # another site in its place: another file
    assert Manifest.load(tmp_path / "manifest.pickle", marker) is None
    write_atomically(tmp_path / "manifest.pickle", b"damaged")
    assert Manifest.load(tmp_path / "manifest.pickle", marker) is None


def test_the_parse_cache_gives_back_an_entry_while_its_file_is_unchanged(tmp_path):
    file = write(tmp_path / "content" / "2024" / "02" / "a.md", article_text())
    article = make_article(extra={})  # as parsed: a plain dict, which pickles
    cache = ParseCache(tmp_path, "key")
    cache.put("2024/02/a.md", file.stat(), article)
    cache.used.add("2024/02/a.md")
    cache.save()
    again = ParseCache(tmp_path, "key")
    found = again.get("2024/02/a.md", file.stat())
    assert (found.source, found.title, found.date) == (article.source, article.title, article.date)
    assert ParseCache(tmp_path, "other code").get("2024/02/a.md", file.stat()) is None
    write(file, article_text(title="改过的标题"))
    assert ParseCache(tmp_path, "key").get("2024/02/a.md", file.stat()) is None


def test_the_parse_cache_keeps_bodies_apart_and_reads_them_only_when_asked(tmp_path):
    """At 100,000 articles the bodies are most of the cache: a build that reads the cache does not
    read them, only the pages and search records it makes again do."""
    first, second = (write(tmp_path / "content" / "2024" / "02" / f"{n}.md", article_text()) for n in "ab")
    cache = ParseCache(tmp_path, "key")
    cache.put("2024/02/a.md", first.stat(), make_article(source="2024/02/a.md", extra={}, body="<p>孔明灯属高空明火飞行器。</p>"))
    cache.used.add("2024/02/a.md")
    cache.save()
    (articles,), (bodies,) = tmp_path.glob("articles-*.pickle"), tmp_path.glob("bodies-*.pickle")
    assert "孔明灯".encode() not in articles.read_bytes() and "孔明灯".encode() in bodies.read_bytes()
    again = ParseCache(tmp_path, "key")
    found = again.get("2024/02/a.md", first.stat())
    assert isinstance(found.body, StoredBody) and len(found.body) == len("<p>孔明灯属高空明火飞行器。</p>")
    # another article of the month: a new bodies file, which the articles already read now read
    again.put("2024/02/b.md", second.stat(), make_article(source="2024/02/b.md", extra={}, body="<p>乙</p>"))
    again.used.add("2024/02/b.md")
    again.save()
    assert not bodies.exists() and len(list(tmp_path.glob("bodies-*.pickle"))) == 1
    assert found.body_html == "<p>孔明灯属高空明火飞行器。</p>"
    assert ParseCache(tmp_path, "key").get("2024/02/b.md", second.stat()).body_html == "<p>乙</p>"


def test_a_lost_bodies_file_is_parsed_again_or_named_in_the_error(tmp_path):
    file = write(tmp_path / "content" / "2024" / "02" / "a.md", article_text())

    def cached():
        cache = ParseCache(tmp_path, "key")
        cache.put("2024/02/a.md", file.stat(), make_article(source="2024/02/a.md", extra={}, body="<p>正文</p>"))
        cache.used.add("2024/02/a.md")
        cache.save()
        return next(tmp_path.glob("bodies-*.pickle"))

    bodies = cached()
    found = ParseCache(tmp_path, "key").get("2024/02/a.md", file.stat())
    bodies.unlink()  # during a build: the page that needs it says which file, and the next build parses it
    with pytest.raises(BuildError) as info:
        found.body_html
    assert bodies.name in str(info.value) and not list(tmp_path.glob("articles-*.pickle"))
    cached().unlink()  # before a build: the entries of that folder are not used
    assert ParseCache(tmp_path, "key").get("2024/02/a.md", file.stat()) is None


def test_a_search_shard_without_its_router_keys_in_the_cache_is_indexed_again(tmp_path):
    """The router reads each shard's keys from the search cache: a shard without them would be left
    out of the router, and a search would not find its articles."""
    from newsarchive.pipeline import build
    write(tmp_path / "content" / "2024" / "02" / "a.md", article_text(title="孔明灯"))
    config = make_config(tmp_path, tmp_path / "content")
    build(config)
    (keys,) = BuildState(config).folder.glob("pagefind-*/keys.pickle")
    keys.unlink()  # gone: the shard is indexed again
    assert build(config, force=True).shards_reused == 0 and keys.exists()
    keys.write_bytes(b"damaged")  # damaged: the build says which file, and the next one indexes the shard again
    with pytest.raises(BuildError) as info:
        build(config, force=True)
    assert str(keys) in str(info.value)
    assert build(config, force=True).shards_reused == 0 and keys.exists()


def test_the_parse_cache_forgets_files_that_are_gone(tmp_path):
    file = write(tmp_path / "a.md", article_text())
    cache = ParseCache(tmp_path, "key")
    cache.put("2024/02/a.md", file.stat(), make_article(extra={}))
    cache.used.add("2024/02/a.md")
    cache.save()
    ParseCache(tmp_path, "key").save()  # a build that did not read it
    assert not list(tmp_path.glob("articles-*.pickle")) and not list(tmp_path.glob("bodies-*.pickle"))


def test_the_state_remembers_what_it_made_for_a_key(tmp_path):
    state = BuildState(make_config(tmp_path, tmp_path / "content"))
    made = []
    make = lambda: made.append(1) or "value"  # noqa: E731
    assert state.remembered("x.pickle", "k", make) == "value" == state.remembered("x.pickle", "k", make)
    assert len(made) == 1
    state.remembered("x.pickle", "other", make)
    assert len(made) == 2
    assert state.folder == tmp_path / ".newsarchive-cache" / "site"


def test_parsing_knows_nothing_of_the_writer_or_the_cache():
    """articles.py reads through a cache it is given: importing it loads neither."""
    code = "import sys, newsarchive.articles; print(sorted(m for m in sys.modules if m.startswith('newsarchive')))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "newsarchive.write" not in loaded and "newsarchive.state" not in loaded, loaded


def test_slugs_are_remembered_between_builds(tmp_path):
    from newsarchive.pipeline import build
    content = tmp_path / "content"
    write(content / "2024" / "02" / "02" / "a.md", article_text(title="孔明灯倡议", slug=None))
    config = make_config(tmp_path, content)
    build(config)
    assert BuildState(config).slugs() == {("孔明灯倡议", 60): "kong-ming-deng-chang-yi",
                                          ("民生", 60): "min-sheng"}
