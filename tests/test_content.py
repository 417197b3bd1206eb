"""Reading article and issue files: the content model and its error messages."""

import datetime
from pathlib import Path

import pytest

from newsarchive.articles import parse_article, parse_issue_meta, read_content
from newsarchive.body import BodyRenderer
from newsarchive.config import Config
from newsarchive.errors import BuildError

from tests.factories import article_text

CONFIG = Config()


def parse(text, source="2024/02/02/a.md", config=CONFIG):
    return parse_article(text, source, config, BodyRenderer(config.trusted_html))


def problems_of(text, **kw):
    with pytest.raises(BuildError) as info:
        parse(text, **kw)
    return info.value.problems


def test_a_complete_article_keeps_every_field():
    a = parse(article_text(kicker="关于“孔明灯”哈市三部门联合倡议", subtitle="——副题", page=2, order=3,
                           reporter="[李佳琪, 王冠]", topics="[孔明灯, 春节]", slug="kongmingdeng",
                           aliases="[/old/kmd.html]"))
    assert (a.kicker, a.title, a.subtitle) == ("关于“孔明灯”哈市三部门联合倡议", "减少一次燃放 增加一份安全", "——副题")
    assert a.date == datetime.date(2024, 2, 2) and a.page == 2 and a.order == 3
    assert a.reporters == ("李佳琪", "王冠") and a.topics == ("孔明灯", "春节")
    assert a.slug == "kongmingdeng" and a.aliases == ("old/kmd.html",)
    assert a.body_html == '<p id="p1">本报讯(记者 李佳琪)孔明灯属高空明火飞行器。</p>'
    assert a.byline_missing  # the text names 李佳琪 but not 王冠: the page must


def test_a_single_reporter_string_becomes_a_one_name_list():
    assert parse(article_text(reporter="李佳琪")).reporters == ("李佳琪",)


def test_unknown_keys_are_kept_for_templates():
    a = parse(article_text(note="原版未印日期", photo_credit="图/张三"))
    assert a.extra == {"note": "原版未印日期", "photo_credit": "图/张三"}


def test_missing_required_fields_are_all_reported_with_line_and_field():
    problems = problems_of("---\npage: 1\n---\n正文\n")
    assert {p.field for p in problems} == {"title", "date", "section"}
    assert all(p.path == "2024/02/02/a.md" for p in problems)


def test_a_bad_date_names_file_line_and_field():
    (problem,) = problems_of(article_text(date="2024-13-45"))
    assert (problem.line, problem.field) == (3, "date")
    assert str(problem) == "2024/02/02/a.md:3: field 'date': expected an ISO date such as 2024-02-02, got '2024-13-45'"


def test_page_must_be_a_whole_number():
    (problem,) = problems_of(article_text(page="第二版"))
    assert problem.field == "page" and problem.line == 5 and "whole number" in problem.message


def test_invalid_yaml_names_the_line():
    (problem,) = problems_of("---\ntitle: 标题\nsection: [unclosed\ndate: 2024-02-02\n---\n正文\n")
    assert problem.line in (3, 4, 5) and "invalid YAML" in problem.message


def test_missing_front_matter_is_an_error():
    (problem,) = problems_of("没有前言的正文\n")
    assert problem.line == 1 and "front matter" in problem.message


def test_unknown_section_is_an_error_when_the_config_lists_sections():
    config = Config(sections=("要闻", "民生"))
    (problem,) = problems_of(article_text(section="民声"), config=config)
    assert problem.field == "section" and "did you mean '民生'" in problem.message


def test_slug_must_be_ascii():
    (problem,) = problems_of(article_text(slug="孔明灯"))
    assert problem.field == "slug"


@pytest.mark.parametrize("alias", ["../../etc/passwd", "http://evil.example/", "a/./b"])
def test_aliases_outside_the_site_are_rejected(alias):
    (problem,) = problems_of(article_text(aliases=f"['{alias}']"))
    assert problem.field == "aliases"


def test_raw_html_in_a_body_is_escaped_by_default():
    text = article_text().replace("孔明灯属", "<script>alert(1)</script>孔明灯属")
    assert "<script>" not in parse(text).body_html
    trusted = Config(trusted_html=True)
    assert "<script>alert(1)</script>" in parse(text, config=trusted).body_html


def test_subheads_become_headings_and_excerpts_skip_the_byline():
    text = ("---\ntitle: 标题\ndate: 2024-02-02\nsection: 时政\n---\n\n■本报记者 尹明\n\n"
            "一年砥砺奋进，一年春华秋实。\n\n### 推进全过程人民民主的冰城实践\n\n正文。\n")
    a = parse(text)
    assert '<h3 id="s1">推进全过程人民民主的冰城实践</h3>' in a.body_html
    assert '<p id="p3">正文。' in a.body_html and "¶" not in a.body_html
    assert a.excerpt.startswith("一年砥砺奋进")


def test_issue_file_takes_its_date_from_the_folder():
    meta = parse_issue_meta('paper: "哈尔滨日报"\npages:\n  1: 要闻\nnote: 日期推定\n', "content/2024/02/02/issue.yaml",
                            "2024/02/02/issue.yaml")
    assert meta.date == datetime.date(2024, 2, 2) and meta.page_names == {1: "要闻"} and meta.note == "日期推定"


def test_issue_file_outside_a_date_folder_needs_a_date():
    with pytest.raises(BuildError) as info:
        parse_issue_meta("paper: 人民日报\n", "misc/issue.yaml")
    assert info.value.problems[0].field == "date"


def test_errors_of_every_file_are_reported_at_once(tmp_path: Path):
    folder = tmp_path / "content" / "2024" / "02" / "02"
    folder.mkdir(parents=True)
    (folder / "a.md").write_text(article_text(date="yesterday"), encoding="utf-8")
    (folder / "b.md").write_text(article_text(title=None), encoding="utf-8")
    (folder / "c.md").write_bytes(b"---\ntitle: \xff\xfe\n---\n")
    with pytest.raises(BuildError) as info:
        read_content(Config(content=tmp_path / "content"))
    assert [(Path(p.path).name, p.field) for p in info.value.problems] == [("a.md", "date"), ("b.md", "title"), ("c.md", None)]
    assert "expected UTF-8" in info.value.problems[2].message


def test_parsing_in_two_processes_gives_the_same_articles(corpus_content, monkeypatch):
    import newsarchive.articles as articles
    config = Config(content=corpus_content)
    one, _ = read_content(config, jobs=1)
    monkeypatch.setattr(articles, "PARALLEL_MIN", 10)
    two, _ = read_content(config, jobs=2)
    key = lambda a: a.source  # noqa: E731
    assert [(a.source, a.body_html, a.extra) for a in sorted(one, key=key)] == \
        [(a.source, a.body_html, a.extra) for a in sorted(two, key=key)]
    assert len(one) == 159
