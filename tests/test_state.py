"""What a build remembers between runs (newsarchive.state): kept, found again, and never trusted
when it does not fit."""

from __future__ import annotations

import os
import subprocess
import sys

from newsarchive.state import BuildState, Manifest, ParseCache, Unit, write_atomically
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


def test_the_parse_cache_forgets_files_that_are_gone(tmp_path):
    file = write(tmp_path / "a.md", article_text())
    cache = ParseCache(tmp_path, "key")
    cache.put("2024/02/a.md", file.stat(), make_article(extra={}))
    cache.used.add("2024/02/a.md")
    cache.save()
    ParseCache(tmp_path, "key").save()  # a build that did not read it
    assert not list(tmp_path.glob("articles-*.pickle"))


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
