"""A raw page dump (OCR or layout export) → decoded text → classified blocks. Pure functions."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from .clean import normalize_newlines
from .errors import BuildError, Problem
from .text import CLOSING_BRACKETS, HAN, PAUSES

NAME = rf"[{HAN}·]{{2,4}}"  # a Chinese personal name
# Characters after which a paragraph may really end.
END = "。！？!?…；;：:”’」』）)】.—"

# The mark before a credit line (■本报记者 尹明), or what OCR reads it as (国本报记者, 回本报讯).
MARK = r"(?:[■□◆◇●▲][ \t]*|[国回口田目圆](?=本报))"
_DATELINE = re.compile(
    rf"^{MARK}?"
    r"(?:【本报讯】|本报讯\s*[(（][^()（）]*(?:[)）]|$)|本报[^\s，。]{0,8}电\s*[(（][^()（）]*[)）]|"
    r"【?新华社[^\s，。]{0,12}电】?\s*(?:[(（][^()（）]*[)）])?|【[^】]{2,20}电】|【又讯】|【[^】]{2,12}(?:讯|消息)】|【本报[^】]{1,6}】)")
_BYLINE = re.compile(
    rf"^{MARK}?(?:本报(?:特约)?记者|记者|通讯员|本报通讯员|特约记者|文\s*/|图\s*/|摄影\s*/?)\s*{NAME}"
    rf"(?:[\s、，,]+(?:(?:本报)?(?:记者|通讯员|实习生|特约记者)\s*|文\s*/|图\s*/)?{NAME})*\s*$")
COMPOUND_SURNAMES = "欧阳|司马|诸葛|上官|东方|皇甫|尉迟|公孙|慕容|令狐|长孙|宇文|司徒|夏侯|端木|独孤|南宫|西门"
# The two hundred-odd most common surnames: a three-character line that starts with none of them
# (发刊词, 编者按) is a short heading, not a name (two-character pen names such as 荒煤 are common).
COMMON_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
                      "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫"
                      "孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅"
                      "童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车"
                      "项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛"
                      "仲虞敖巩明佘池查麻苑迟邝")
BARE_NAME = rf"(?:(?:{COMPOUND_SURNAMES})[{HAN}]{{1,2}}|[{HAN}]{{2,3}})"
_BARE_NAMES = re.compile(rf"^{BARE_NAME}(?:[\s、]+{BARE_NAME}){{0,3}}$")
_FURNITURE = [
    (re.compile(r"^[-—–－\s]*(?:第\s*)?[\d０-９]{1,3}\s*(?:版)?[-—–－\s]*$"), "page number"),
    (re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日(?:\s*(?:星期|周)[一二三四五六日天])?$"), "date on the page margin"),
    (re.compile(r"^(?:责任编辑|责编|编辑|版式设计|美编|校对|版式|组版)\s*[:：].{0,40}$"), "editors' credits"),
    (re.compile(r"^.{2,12}(?:日报|晚报|报)\s+\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日.{0,20}$"), "running head"),
    (re.compile(r"^.{0,20}\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:星期|周)[一二三四五六日天].{0,20}$"), "running head"),
    # a rule, a fold or a speck that OCR read as a few characters: 和|司, |, 一|
    (re.compile(r"^(?=.*[|｜¦])\S{1,4}$"), "OCR noise (a rule or a speck read as text)"),
]
_LATIN_IN_HAN = re.compile(rf"(?<=[{HAN}])\s*([A-Za-z]{{2,}})\s*(?=[{HAN}])")


@dataclass
class Block:
    """A paragraph-like run of lines of the raw page."""

    kind: str  # h2, h3, byline, dateline, para, furniture, subhead
    text: str  # without markup, lines joined
    first: int  # 1-based line numbers in the raw page
    last: int
    reporters: tuple[str, ...] = ()
    reason: str = ""  # for furniture
    marks: list[str] = field(default_factory=list)


def decode(data: bytes, shown: str) -> tuple[str, str]:
    """(text, encoding) of a raw page: UTF-8 with or without BOM, UTF-16 (as Windows tools save
    it), else GB18030; else a clear error. A NUL anywhere means it is no text file."""
    if not data.strip():
        raise BuildError([Problem(shown, "the file is empty")])
    for encoding in (utf16(data), "utf-8-sig", "gb18030"):
        if encoding is None:
            continue
        if not encoding.startswith("utf-16") and (b"\x00" in data[:4096] or sum(b < 9 or 13 < b < 32 for b in data[:4096]) > 8):
            raise BuildError([Problem(shown, "this looks like a binary file, not the text of a page")])
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and not re.search(f"[{HAN}]", text):
            break
        text = normalize_newlines(text.removeprefix("\ufeff"))
        if "\x00" in text:
            raise BuildError([Problem(shown, "a NUL character: this looks like a binary file, not the text of a page",
                                      text.count("\n", 0, text.index("\x00")) + 1)])
        return text, {"utf-8-sig": "utf-8"}.get(encoding, encoding)
    raise BuildError([Problem(shown, "unrecognised text encoding: expected UTF-8, UTF-16 or GB18030/GBK")])


def utf16(data: bytes) -> str | None:
    """'utf-16' for text with a UTF-16 byte-order mark, or without one but with a NUL in every
    other byte far more often than in the others (the ASCII of a page: digits, spaces, line ends)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = data[:4096]
    if len(head) >= 4 and len(head) % 2 == 0:
        for parity, name in ((1, "utf-16-le"), (0, "utf-16-be")):
            if head[parity::2].count(0) > 0.02 * len(head) and 10 * head[1 - parity::2].count(0) < head[parity::2].count(0):
                return name
    return None


def is_cut(text: str) -> bool:
    """True when a paragraph stops mid-sentence (no final punctuation)."""
    text = text.rstrip()
    if not text:
        return False
    if text[-1] in CLOSING_BRACKETS:
        inner = text.rstrip(CLOSING_BRACKETS)
        return not inner or inner[-1] not in END
    return text[-1] not in END


# Words that often open a paragraph before a comma: 不过，… is a start, 量，… is not.
CONNECTIVES = set("""不过 但是 因此 所以 同时 然而 此外 另外 其次 首先 最后 总之 当然 这样 那么 于是 可是 而且 并且
例如 比如 原来 后来 现在 目前 今天 今年 去年 明年 其实 结果 接着 随后 从此 对此 为此 据悉 同样 如今 不久 记者 他们
我们 她们 你们 这里 那里 此时 这时 当时 第一 第二 第三 第四 其中 一是 二是 三是 四是 总的 另一 一方 看来 显然 可见
诚然 固然 尤其 特别 换言 再者 再则 况且 何况 既然 虽然 尽管 即使 如果 假如 要是 只要 只有 除了 至于 关于 对于 由于
因为 为了 随着 经过 通过 按照 根据 本报 会上 会后 会议 近日 日前 昨天 前天 上午 下午 晚上 清晨 同志 朋友 先生 女士 据说
听说 可惜 幸好 好在 总而 一年 一时 一面 另方 这些 那些 这个 那个 此外 以上 以下 然后 最近 起初 开始 终于""".split())


def starts_mid_sentence(text: str) -> bool:
    """True when a block reads as the rest of a sentence: it opens with punctuation, or with a one- or
    two-character clause that is no usual opening word (量，… but not 不过，…)."""
    text = text.lstrip()
    if not text:
        return False
    if text[0] in PAUSES or text[0] in CLOSING_BRACKETS:
        return True
    m = re.match(rf"^([{HAN}])[，、；]|^([{HAN}]{{2}})[，；]", text)  # 纺织、修水利… is a list, a start
    return bool(m) and (m.group(1) or m.group(2)) not in CONNECTIVES


# jieba's tags of a last word that leaves its phrase open: 的 了 (particles), 所 不仅 和 (conjunctions),
# 在 对 (prepositions), 等 (auxiliary). Not 地 (uv): 收复……车站等地 is a subhead.
_OPEN_TAGS = {"uj", "ul", "uz", "u", "c", "p"}


@functools.cache
def _tagger():
    import logging

    import jieba
    import jieba.posseg
    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg.cut


def ends_open(text: str) -> bool:
    """True when a line's last word leaves its phrase open (重庆和上海的, 我们的力量在, 真正人民的报纸不仅,
    as jieba tags the words): the first line of a paragraph cut by a column break, not a subhead
    (……诊所 and ……坚决反对 end on nouns and verbs)."""
    words = list(_tagger()(text.strip()))
    return bool(words) and words[-1].flag in _OPEN_TAGS


def splits_word(line: str, following: str) -> bool:
    """True when the break between two lines falls inside a word of the dictionary (这个提 / 议。,
    看见两 / 种人): one paragraph cut by a column break, which a subhead and its paragraph never are.
    Dictionary words only: jieba's HMM would make a word of any two characters it does not know."""
    import jieba
    _tagger()  # jieba loaded quietly
    head, tail = line.strip()[-8:], following.strip()[:8]
    return any(start < len(head) < end for _, start, end in jieba.tokenize(head + tail, HMM=False))


_ROLE = re.compile(r"(本报特约记者|本报记者|特约记者|记者|本报通讯员|通讯员|实习生|文\s*/|图\s*/|摄影\s*/?)")


def reporters_of(text: str) -> tuple[str, ...]:
    """Reporter names of a byline or dateline: 记者 and 文/ only, not 通讯员, 实习生, 图/, 新华社."""
    m = _DATELINE.match(text)
    head = m.group(0) if m else text
    names: list[str] = []
    parts = _ROLE.split(head)
    for role, segment in zip(parts[1::2], parts[2::2]):
        if "记者" not in role and not role.startswith("文"):
            continue
        for name in re.split(r"[\s、，,()（）■【】]+", segment):
            if re.fullmatch(NAME, name) and name not in names:
                names.append(name)
    return tuple(names)


HEADING_MARK = re.compile(r"^[ \t]*(#{1,6})[ \t]+(?=\S)", re.M)  # '## 标题'; '#3号' is text


def classify(text: str, first: int, last: int) -> Block:
    """The kind of one block of text."""
    stripped = text.strip()
    mark = HEADING_MARK.match(stripped)
    if mark:
        return Block("h2" if len(mark.group(1)) <= 2 else "h3", stripped[mark.end():].strip(), first, last)
    for pattern, reason in _FURNITURE:
        if pattern.match(stripped):
            return Block("furniture", stripped, first, last, reason=reason)
    if _BYLINE.match(stripped):
        return Block("byline", stripped, first, last, reporters=reporters_of(stripped))
    if _DATELINE.match(stripped):
        return Block("dateline", stripped, first, last, reporters=reporters_of(stripped))
    return Block("para", stripped, first, last)


def split_blocks(text: str) -> list[Block]:
    """Blocks separated by blank lines; each Markdown heading line is a block of its own."""
    blocks: list[Block] = []
    lines = text.split("\n")
    current: list[tuple[int, str]] = []

    def flush():
        if current:
            joined = "".join(line.strip() if i else line.strip() for i, (_, line) in enumerate(current))
            blocks.append(classify(joined, current[0][0], current[-1][0]))
            current.clear()

    for number, line in enumerate(lines, 1):
        if not line.strip():
            flush()
        elif HEADING_MARK.match(line):
            flush()
            current.append((number, line))
            flush()
        else:
            current.append((number, line))
    flush()
    return blocks


def suspicious_tokens(text: str) -> list[str]:
    """Latin words standing inside Chinese text (likely OCR noise), to report, never to fix."""
    return [m.group(1) for m in _LATIN_IN_HAN.finditer(text)]


_ENUMERATION = re.compile(r"^(?:[\d０-９]{1,2}[、.．]|[一二三四五六七八九十]{1,3}、|[（(][\d０-９一二三四五六七八九十甲乙丙丁]{1,3}[）)])")


def starts_enumeration(text: str) -> bool:
    """A block that opens with 1、 一、 （一） (1): the start of an item, never the rest of a cut paragraph."""
    return bool(_ENUMERATION.match(text.lstrip()))


_CN_NUMBERS = "一二三四五六七八九十"
_STEMS = "甲乙丙丁戊己庚辛壬癸"


def previous_item(text: str) -> str | None:
    """The marker of the item before this one: （二） → （一）, 3、 → 2、, 乙、 → 甲、; None if not an item."""
    m = re.match(r"^([（(]?)([\d０-９]{1,2}|[一二三四五六七八九十]|[甲乙丙丁戊己庚辛壬癸])([）)]|[、.．])", text.lstrip())
    if not m:
        return None
    opener, mark, closer = m.groups()
    if mark.isdigit():
        n = int(mark)
        prev = str(n - 1) if n > 1 else None
    else:
        series = _CN_NUMBERS if mark in _CN_NUMBERS else _STEMS
        i = series.index(mark)
        prev = series[i - 1] if i > 0 else None
    return f"{opener}{prev}{closer}" if prev else None


def is_signature(text: str) -> bool:
    """A short closing line: a signature, a date, an attribution (——斯大林), a dedication (…敬贺)."""
    text = text.strip()
    if re.search(r"[，。；：！？,;:!?]", text):
        return False
    # A sender's line: …同贺, …敬献, …同叩, …叩寒 (a telegram's sign-off with its day code), even a long list.
    if len(text) <= 60 and re.search(r"(?:贺|献|启|叩[\u4e00-\u9fff]?)$", text):
        return True
    return len(text) <= 24 and (text.startswith("——") or bool(re.search(r"(?:敬祝|[〇零一二三四五六七八九十廿卅\d０-９][日月年])$", text))
                                or bare_names(text) is not None
                                or bare_names(text[1:-1]) is not None and text[0] in "（(" and text[-1] in "）)")


def bare_names(text: str) -> tuple[str, ...] | None:
    """The names of a line that holds nothing but one to four names, or None."""
    if _BARE_NAMES.match(text.strip()) and not re.search(r"(?:通讯|电|讯|报|社|会|部)$", text.strip()):
        names = tuple(re.split(r"[\s、]+", text.strip()))
        if all(len(n) != 3 or n[0] in COMMON_SURNAMES or re.match(COMPOUND_SURNAMES, n) for n in names):
            return names
    return None
