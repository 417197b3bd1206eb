"""Importing raw pages: the seed page against the hand-made sample, bylines, encodings, safety."""

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsarchive.articles import split_front_matter
from newsarchive.errors import BuildError
from newsarchive.importer import check_nothing_lost, parse_page
from newsarchive.rawpage import classify, decode, reporters_of
from tests.conftest import ROOT

SEED = ROOT.parent / "shared" / "seed" / "raw-page.txt"
SAMPLE = ROOT / "content" / "2024" / "02" / "02"


def run_import(*args, cwd):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "import", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)


@pytest.fixture
def seed_text():
    if not SEED.exists():
        pytest.skip(f"seed page not at {SEED}")
    return SEED.read_text(encoding="utf-8")


def front_and_body(path: Path):
    fm = split_front_matter(path.read_text(encoding="utf-8"), path.name)
    return fm.data, fm.body.strip()


def test_the_seed_page_imports_into_the_hand_made_sample(tmp_path, seed_text):
    result = run_import(SEED, "--date", "2024-02-02", "--page", "1", "--content", tmp_path / "content",
                        "--report", tmp_path / "report.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    imported = sorted((tmp_path / "content/2024/02/02").glob("*.md"))
    expected = sorted(SAMPLE.glob("*.md"))
    assert len(imported) == len(expected) == 6
    for got, want in zip(imported, expected):
        got_fm, got_body = front_and_body(got)
        want_fm, want_body = front_and_body(want)
        for key in ("kicker", "title", "subtitle", "reporter", "order"):
            assert got_fm.get(key) == want_fm.get(key), (got.name, key)
        assert got_body == want_body, got.name
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    actions = [d["action"] for a in report["articles"] for d in a["decisions"]]
    assert any("displaced headline" in a for a in actions)
    assert any("moved 2 block(s)" in a for a in actions)
    assert sum("column break" in a for a in actions) == 7
    tiaan = report["articles"][3]
    assert [137, 137] in tiaan["lines"] and [139, 139] in tiaan["lines"]
    assert any("'and'" in w["warning"] for w in report["warnings"])
    assert "已导入 6 篇文章" in result.stdout and "'and'" in result.stdout


def test_importing_twice_gives_identical_files_and_never_overwrites_edits(tmp_path, seed_text):
    content = tmp_path / "content"
    assert run_import(SEED, "--date", "2024-02-02", "--content", content, cwd=tmp_path).returncode == 0
    first = {p: p.read_bytes() for p in content.rglob("*.md")}
    assert run_import(SEED, "--date", "2024-02-02", "--content", content, cwd=tmp_path).returncode == 0
    assert {p: p.read_bytes() for p in content.rglob("*.md")} == first
    edited = sorted(first)[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n编者补记。\n", encoding="utf-8")
    result = run_import(SEED, "--date", "2024-02-02", "--content", content, cwd=tmp_path)
    assert result.returncode == 1 and "exists already" in result.stderr and edited.name in result.stderr
    assert "编者补记" in edited.read_text(encoding="utf-8")
    assert run_import(SEED, "--date", "2024-02-02", "--content", content, "--force", cwd=tmp_path).returncode == 0
    assert edited.read_bytes() == first[edited]


def test_dry_run_writes_nothing(tmp_path, seed_text):
    result = run_import(SEED, "--date", "2024-02-02", "--content", tmp_path / "content", "--dry-run",
                        "--report", tmp_path / "r.json", cwd=tmp_path)
    assert result.returncode == 0 and "将导入 6 篇文章" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_gb18030_and_bom_pages_import_the_same(tmp_path, seed_text):
    (tmp_path / "gbk.txt").write_bytes(seed_text.encode("gb18030"))
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + seed_text.replace("\n", "\r\n").encode("utf-8"))
    outputs = []
    for name in ("gbk.txt", "bom.txt"):
        content = tmp_path / name.replace(".txt", "")
        assert run_import(tmp_path / name, "--date", "2024-02-02", "--content", content, cwd=tmp_path).returncode == 0
        outputs.append({p.name: p.read_bytes() for p in content.rglob("*.md")})
    assert outputs[0] == outputs[1] and len(outputs[0]) == 6


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    ("只是一段没有标题的文字。\n\n又一段文字。\n".encode(), "no recognisable article"),
    (b"\xff\xfe\x00\xd8" * 10, "binary"),
])
def test_bad_input_is_a_clear_error_and_writes_nothing(tmp_path, data, message):
    (tmp_path / "page.txt").write_bytes(data)
    result = run_import(tmp_path / "page.txt", "--date", "2024-02-02", "--content", tmp_path / "content", cwd=tmp_path)
    assert result.returncode == 1 and message in result.stderr and "page.txt" in result.stderr
    assert not (tmp_path / "content").exists()


@pytest.mark.parametrize("line, reporters", [
    ("■本报记者 尹明", ("尹明",)),
    ("本报记者 张三 李四", ("张三", "李四")),
    ("本报讯(记者 赵晓轶)及时多元推送热点。", ("赵晓轶",)),
    ("本报讯（记者 张三 通讯员 李四）昨天。", ("张三",)),
    ("新华社北京2月1日电（记者 王五 赵六）昨天。", ("王五", "赵六")),
    ("【本报讯】昨天。", ()),
    ("【新华社北京二月一日电】昨天。", ()),
    ("文/张三 图/李四", ("张三",)),
    ("国本报记者刘白羽", ("刘白羽",)),  # the ■ as OCR reads it
    ("回本报讯（记者 杨秀峰）昨天。", ("杨秀峰",)),
])
def test_bylines_and_datelines_in_chinese_conventions(line, reporters):
    assert classify(line, 1, 1).kind in ("byline", "dateline")
    assert reporters_of(line) == reporters


@pytest.mark.parametrize("line", ["国家记者协会今天开会", "国本地记者张三", "回本报社的路上"])
def test_a_mark_misread_as_a_character_is_no_byline_unless_a_credit_follows(line):
    assert classify(line, 1, 1).kind == "para"


def page(*blocks: str) -> str:
    return "\n\n".join(blocks) + "\n"


def test_a_byline_and_opening_printed_before_the_headline_go_back_under_it():
    text = page("## 第一篇", "本报讯（记者 张三）第一篇的正文。", "■本报记者 李四", "第二篇的开头一段写完了。",
                "## 第二篇的标题", "第二篇接着写下去。", "## 第三篇", "本报讯（记者 王五）第三篇。")
    articles = parse_page(text).articles
    assert [a.title[0] for a in articles] == ["第一篇", "第二篇的标题", "第三篇"]
    assert articles[1].reporters == ["李四"] and [p.text for p in articles[1].paras][1:] == ["第二篇的开头一段写完了。", "第二篇接着写下去。"]


def test_unmarked_headlines_subheads_and_furniture():
    text = page("哈尔滨日报 2024年2月2日 星期五", "减少一次燃放", "本报讯（记者 李佳琪）孔明灯属高空明火飞行器，极易引发事故。",
                "倡议内容", "希望广大市民群众不燃放孔明灯。", "- 2 -")
    result = parse_page(text)
    (article,) = result.articles
    assert article.title == ["减少一次燃放"] and article.reporters == ["李佳琪"]
    assert [p.kind for p in article.paras] == ["p", "h3", "p"]
    assert [f["reason"] for f in result.furniture] == ["running head", "page number"]
    check_nothing_lost(text, result, "page")


def test_a_paragraphs_first_line_cut_after_an_open_word_is_no_subhead():
    # 我们的力量在 / 那里呢？: a short unpunctuated line between finished paragraphs, but its last word
    # (在) leaves the phrase open, so it is a paragraph cut by a column break; 倡议内容 is a subhead
    text = page("## 标题", "本报讯（记者 张三）第一段写完了。", "我们的力量在", "那里呢？在于我们能否把人民大众充分的发动起来。",
                "倡议内容", "希望广大市民群众不燃放孔明灯。")
    (article,) = parse_page(text).articles
    assert [(p.kind, p.text[:8]) for p in article.paras] == [
        ("p", "本报讯（记者 张"), ("p", "我们的力量在那里"), ("h3", "倡议内容"), ("p", "希望广大市民群众")]


def test_a_paragraphs_first_line_cut_inside_a_word_is_no_subhead():
    # 她十分同意我的这个提 / 议。…: short, unpunctuated, between finished paragraphs, and its last
    # word closed (提 is a verb), but the break falls inside the word 提议 (bench/import_accuracy.py)
    text = page("## 标题", "本报讯（记者 张三）第一段写完了。", "她十分同意我的这个提", "议。高兴得几乎连话都说不上来。",
                "倡议内容", "希望广大市民群众不燃放孔明灯。")
    (article,) = parse_page(text).articles
    assert [(p.kind, p.text[:8]) for p in article.paras] == [
        ("p", "本报讯（记者 张"), ("p", "她十分同意我的这"), ("h3", "倡议内容"), ("p", "希望广大市民群众")]


def test_a_numbered_subhead_above_its_headline_or_over_a_cut_paragraph_stays_a_subhead():
    # 一、毁灭与新生 printed above the headline with the byline (the opening before the headline),
    # and 三、问题的焦点 over a paragraph whose first line a column break cut before any punctuation
    text = page("## 上一篇", "本报讯（记者 张三）上一篇写完了。", "李庄", "一、毁灭与新生", "## 为七百万人民请命",
                "四月九日，五辆吉普车载着黄河勘察团从荷泽出发。", "三、问题的焦点", "解放区民主政府和广大人民深知“黄河归",
                "故”将带给他们什么。")
    _, article = parse_page(text).articles
    assert article.reporters == ["李庄"]
    assert [(p.kind, p.text[:7]) for p in article.paras] == [
        ("byline", "李庄"), ("h3", "一、毁灭与新生"), ("p", "四月九日，五辆"), ("h3", "三、问题的焦点"), ("p", "解放区民主政府")]


def test_a_line_of_names_opening_the_page_above_a_headline_is_its_byline():
    text = page("曾克", "## 把悲痛变为力量", "### ——副题", "我们以最大的悲痛，来追悼诸同志。", "## 第二篇", "本报讯（记者 张三）第二篇。")
    article, _ = parse_page(text).articles
    assert article.reporters == ["曾克"]
    assert [(p.kind, p.text) for p in article.paras] == [("byline", "曾克"), ("p", "我们以最大的悲痛，来追悼诸同志。")]


def test_an_attribution_printed_above_the_headline_is_not_joined_to_the_text_under_it():
    # the epigraph (…学校。 ——斯大林) of the article below, printed with its byline above its headline:
    # ——斯大林 has no final punctuation, but it is a closing line, not a sentence the headline cut
    text = page("## 上一篇", "本报讯（记者 张三）上一篇写完了。", "本报记者 吴象 通讯员 赵晓轶",
                "战争不只是灾害，它还是一种检阅人民力量的伟大学校。", "——斯大林", "## 劳动的妇女们", "左权的工作告了一个段落。")
    _, article = parse_page(text).articles
    assert article.reporters == ["吴象"]
    assert [p.text for p in article.paras][1:] == ["战争不只是灾害，它还是一种检阅人民力量的伟大学校。", "——斯大林",
                                                   "左权的工作告了一个段落。"]


def test_an_opening_printed_above_a_headline_goes_below_it_when_the_text_there_opens_with_a_subhead():
    # 方德 and the first paragraph printed above the headline; under it the first subhead, numbered
    # with spaces as the 1946 paper prints it (一  放水围困，敲骨吸髓), not a subtitle
    text = page("## 上一篇", "本报讯（记者 张三）上一篇写完了。", "方德", "北平华北日报五月五日发表通讯，描写永年城。",
                "## 人间地狱——永年城", "### 一  放水围困，敲骨吸髓", "残杀冀南人民八年的老牌汉奸盘踞永年城。")
    first, article = parse_page(text).articles
    assert [p.text for p in first.paras] == ["本报讯（记者 张三）上一篇写完了。"]
    assert article.subtitle == [] and article.reporters == ["方德"]
    assert [(p.kind, p.text[:6]) for p in article.paras] == [
        ("byline", "方德"), ("p", "北平华北日报"), ("h3", "一  放水围"), ("p", "残杀冀南人民")]


def test_a_line_of_names_with_text_after_it_above_a_headline_goes_below_whatever_the_text_reads_like():
    # 司马光明, an epigraph and ——斯大林 between two articles: the epigraph reads like neither, but a
    # line of names followed by text is a byline (a signature would be the last line of its article)
    text = page("## 希特勒式的神经病", "本报讯（记者 吴象）希特勒每在进兵之前，向例要宣传战争。", "原来如此！这是战争的写照。",
                "司马光明", "战争不只是灾害，它还是一种考验。", "——斯大林", "## 劳动的妇女们", "左权的工作告了一个段落。")
    first, article = parse_page(text).articles
    assert [p.text[:4] for p in first.paras] == ["本报讯（", "原来如此"]
    assert article.reporters == ["司马光明"] and [p.text[:4] for p in article.paras] == ["司马光明", "战争不只", "——斯大", "左权的工"]


def test_a_paragraph_cut_after_a_word_ending_in_a_date_character_is_joined():
    # …记者今日 ends in 日 but is no date (五月十五日 is, and closes an article as a signature)
    text = page("## 标题", "【新华社邯郸十五日电】记者今日", "获得国民党大举进攻的计划一份。", "杨秀峰", "五月十五日")
    (article,) = parse_page(text).articles
    assert [p.text for p in article.paras] == ["【新华社邯郸十五日电】记者今日获得国民党大举进攻的计划一份。", "杨秀峰", "五月十五日"]


def test_a_real_paragraph_end_is_kept_and_a_cut_one_is_joined():
    text = page("## 标题", "本报讯（记者 张三）第一段写完了。", "第二段从这里开始，被分栏切", "断了。", "第三段。")
    (article,) = parse_page(text).articles
    assert [p.text for p in article.paras] == ["本报讯（记者 张三）第一段写完了。", "第二段从这里开始，被分栏切断了。", "第三段。"]


def test_a_dispatch_before_a_headline_that_reads_like_the_headline_above_stays_above():
    # The second dispatch (报纸…内战) reads like the headline of the article above, not its first
    # dispatch: both headlines weigh alike when the pieces between them are divided.
    text = page("## 中美报纸评论内战", "【新华社四平街十一日电】东北民主联军英勇保卫四平街，现已推入第二十三天。",
                "【新华社延安十日电】莫斯科广播：美国及中国的许多报纸，对中国内战纷纷发表评论。",
                "## 五团体声明拥护政协决议", "【新华社延安十一日电】渝讯：五团体发表声明，拥护政协决议，对中国前途表示关切。")
    first, second = parse_page(text).articles
    assert [p.text[:14] for p in first.paras] == ["【新华社四平街十一日电】东北", "【新华社延安十日电】莫斯科广"]
    assert [p.text[:14] for p in second.paras] == ["【新华社延安十一日电】渝讯："]


def test_a_dispatch_before_a_headline_that_reads_like_the_headline_above_more_than_its_text_stays_above():
    # 川陕路上兵车 is what the headline above sums up (平汉川陕道上…), though its words (调动大军, 兵车不绝)
    # are those of the text below: a piece's likeness to each headline counts on its own
    text = page("## 平汉川陕道上国民党军运忙",
                "【新华社邯郸九日电】平汉路上军车辚辚，日前国民党军由新乡运抵辉县坦克十六辆重炮五门，孟县之九十军专门进行攻击训练。",
                "【新华社延安十日电】记者获悉：国民党军从陕南调动大军，现川陕路上兵车连日不绝，向北疾驰。",
                "## 国民党军结合敌伪高唱备战", "【新华社邯郸十一日电】国民党军结合敌伪军，高唱停战就是备战，调动大军向边区进攻，兵车不绝。")
    first, second = parse_page(text).articles
    assert [p.text[:12] for p in first.paras] == ["【新华社邯郸九日电】平汉", "【新华社延安十日电】记者"]
    assert [p.text[:12] for p in second.paras] == ["【新华社邯郸十一日电】国"]


def test_a_dispatch_after_a_dropped_tail_goes_with_the_dispatches_of_its_place():
    # The end of 甲's first dispatch (cut at 偏/关) is printed inside 乙, followed by 甲's second
    # dispatch from the same place; 乙 resumes after it (a case from bench/import_accuracy.py).
    text = page("## 晋绥群众置地生产", "【新华社兴县十四日电】晋绥二分区各地生产情绪普遍高涨。河曲、保德、偏",
                "## 太行争取穿衣自给", "【新华社长治讯】太行今年植棉成绩超过以往任何一年，黎城全县六个区计划种棉三万亩。",
                "关、神池、五寨六县，共增购牲口二千余头，群众对耕地施肥，更加注意。",
                "【新华社兴县十一日电】晋绥各县今年植棉比去年增加一倍，棉田已全部下种。",
                "平顺四区植棉户由两户迅速增到三千四百余户，原定棉田两千亩增植到四千六百余亩。")
    first, second = parse_page(text).articles
    assert [p.text[:12] for p in first.paras] == ["【新华社兴县十四日电】晋", "【新华社兴县十一日电】晋"]
    assert first.paras[0].text.endswith("偏关、神池、五寨六县，共增购牲口二千余头，群众对耕地施肥，更加注意。")
    assert [p.text[:6] for p in second.paras] == ["【新华社长治", "平顺四区植棉"]


def test_closing_lines_verse_and_a_dateline_cut_in_its_brackets_are_read_as_printed():
    text = page("## 不救灾民救伪军", "【新华社邯郸讯】边区救济分会电南京行政院，请速拨救济物资。", "晋冀鲁豫边区救济分会叩寒",
                "一、贷款的分配还没有做到完全公道。", "## 劳动的妇女们", "本报讯（记者 杨秀",
                "峰）战争不只是灾害，它还是一种考验。", "新妇女能劳动，样样都要干，", "吃饭，穿衣，姐妹呀，不依靠汉。",
                "人民的军队报社人民画报社敬献", "发刊词", "本报讯（记者 张容）本报今天创刊了。")
    first, second, third = parse_page(text).articles
    assert [p.text for p in first.paras][1:] == ["晋冀鲁豫边区救济分会叩寒", "一、贷款的分配还没有做到完全公道。"]
    assert second.reporters == ["杨秀峰"] and second.paras[0].text == "本报讯（记者 杨秀峰）战争不只是灾害，它还是一种考验。"
    assert [p.text for p in second.paras][1:3] == ["新妇女能劳动，样样都要干，", "吃饭，穿衣，姐妹呀，不依靠汉。"]
    assert third.title == ["发刊词"] and third.reporters == ["张容"]


def test_decode_rejects_what_is_not_a_page():
    with pytest.raises(BuildError, match="empty"):
        decode(b"  \n", "x")
    assert decode("\ufeff## 标题".encode("utf-8"), "x") == ("## 标题", "utf-8")


# ---- property-based: nothing of a page is ever lost, and the import never crashes ----

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FRAGMENTS = ["## ", "### ", "### ——", "■本报记者 王越", "本报讯(记者 赵晓轶)", "本报讯（记者 张三 通讯员 李四）",
             "新华社北京2月1日电（记者 王五）", "【本报讯】", "【新华社延安十日电】", "文/张三 图/李四", "尹明",
             "量，", "提案委员会", "进一步完善", "。", "，", "、", "“", "”", "（一）", "1、", "2023 年", "and",
             "第2版", "- 3 -", "哈尔滨日报 2024年2月2日 星期五", "责任编辑：王冠", "孔明灯", "  ", "\t", "#", "\n", "\n\n"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=80))
def test_any_page_imports_without_loss_or_fails_clearly(parts):
    text = "".join(parts)
    try:
        result = parse_page(text, "fuzz.txt")
    except BuildError as exc:
        assert "fuzz.txt" in str(exc)
        return
    check_nothing_lost(text, result, "fuzz.txt")  # raises if a character went missing or appeared


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32))
def test_composed_damaged_pages_lose_nothing(seed):
    import random
    from bench.compose import compose_page
    from bench.corpus import CORPUS, read_corpus
    if not CORPUS.is_dir():
        pytest.skip("the 1946 corpus is not available")
    corpus = cached_corpus(read_corpus)
    rng = random.Random(seed)
    text, truths = compose_page(rng.sample(corpus, rng.randint(2, 6)), rng)
    result = parse_page(text, "composed.txt")
    check_nothing_lost(text, result, "composed.txt")
    assert len(result.articles) >= 1


@functools.lru_cache(maxsize=1)
def _corpus(read):
    return tuple(read())


def cached_corpus(read):
    return list(_corpus(read))


def test_topics_are_suggested_in_the_report_and_written_only_when_asked(tmp_path, seed_text):
    plain = run_import(SEED, "--date", "2024-02-02", "--content", tmp_path / "a", "--report", tmp_path / "a.json",
                       cwd=tmp_path)
    auto = run_import(SEED, "--date", "2024-02-02", "--content", tmp_path / "b", "--topics", "auto", cwd=tmp_path)
    assert plain.returncode == auto.returncode == 0, plain.stderr + auto.stderr
    report = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    kmd = next(a for a in report["articles"] if "孔明灯" in a["kicker"])
    assert "孔明灯" in kmd["suggested_topics"] and len(kmd["suggested_topics"]) == 5
    assert "建议主题" in plain.stdout and "孔明灯" in plain.stdout
    (a_file,) = (tmp_path / "a/2024/02/02").glob("01-06-*.md")
    (b_file,) = (tmp_path / "b/2024/02/02").glob("01-06-*.md")
    assert front_and_body(a_file)[0]["topics"] == []
    assert front_and_body(b_file)[0]["topics"] == kmd["suggested_topics"]


def test_an_unsure_decision_is_a_warning_naming_the_lines(tmp_path):
    # a dispatch printed between two articles, reading like neither: whose it is is a guess
    page = ("## 边区邮务发展\n\n【新华社邯郸十日电】边区邮务工作，由于全体职工七年来艰苦缔造，已具相当的基础。\n\n"
            "【新华社邯郸十一日电】春耕开始后，农民积极修渠打井。\n\n## 太行种棉\n\n今年太行区种棉一百五十万亩。\n")
    result = parse_page(page, "p.txt")
    unsure = [w for w in result.warnings if w["warning"].startswith("unsure")]
    assert unsure and all("check lines" in w["warning"] for w in unsure), result.warnings
