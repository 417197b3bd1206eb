"""config.yaml: defaults, overrides, and every error at once with its line."""

from pathlib import Path

import pytest

from newsarchive.config import load_config
from newsarchive.errors import BuildError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_paths_are_relative_to_the_config_file(tmp_path):
    config = load_config(write(tmp_path, "content: articles\n"))
    assert config.content == tmp_path / "articles" and config.output == tmp_path / "site"


def test_base_url_gets_one_trailing_slash_and_overrides_win(tmp_path):
    config = load_config(write(tmp_path, "base_url: https://user.github.io/repo\n"))
    assert config.base_url == "https://user.github.io/repo/"
    config = load_config(write(tmp_path, "base_url: https://a.example/\n"), {"base_url": "https://b.example/x"})
    assert config.base_url == "https://b.example/x/"


def test_all_errors_are_reported_with_line_field_and_a_hint(tmp_path):
    path = write(tmp_path, "title: 档案\nper_pgae: 10\nbase_url: user.github.io\nexcerpt_length: many\n")
    with pytest.raises(BuildError) as info:
        load_config(path)
    found = {(p.line, p.field): p.message for p in info.value.problems}
    assert "did you mean 'per_page'" in found[(2, "per_pgae")]
    assert "absolute http(s) URL" in found[(3, "base_url")]
    assert "whole number" in found[(4, "excerpt_length")]


def test_a_named_config_file_must_exist(tmp_path):
    with pytest.raises(BuildError):
        load_config(tmp_path / "missing.yaml", must_exist=True)
    assert load_config(tmp_path / "missing.yaml").title == "新闻档案"
