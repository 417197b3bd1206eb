"""OCR files read as the import reads them: hOCR and ALTO, Han spacing, headings, paragraphs, regions."""

from __future__ import annotations

import pytest

from newsarchive.errors import BuildError
from newsarchive.ocr import OcrLine, join_words, page_text, read_alto, read_hocr, read_ocr, regions_of

HOCR = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title></title></head><body>
<div class='ocr_page' id='page_1' title='image "1.jpg"; bbox 0 0 1000 1400; ppageno 0'>
 <div class='ocr_carea' id='block_1_1' title="bbox 80 90 420 700">
  <p class='ocr_par' id='par_1_1' lang='chi_sim' title="bbox 80 90 420 150">
   <span class='ocr_line' id='line_1_1' title="bbox 80 90 400 142; baseline 0 -5; x_size 52">
    <span class='ocrx_word' id='word_1_1' title='bbox 80 90 240 142; x_wconf 93'>孔明灯</span>
    <span class='ocrx_word' id='word_1_2' title='bbox 250 90 400 142; x_wconf 91'>倡议书</span>
   </span>
  </p>
  <p class='ocr_par' id='par_1_2' lang='chi_sim' title="bbox 80 170 420 240">
   <span class='ocr_line' id='line_1_2' title="bbox 136 170 416 199"><span class='ocrx_word' id='word_1_3' title='bbox 136 170 416 199; x_wconf 95'>本报讯 记者</span><span class='ocrx_word' id='word_1_4' title='bbox 136 170 416 199; x_wconf 40'>李佳琪</span></span>
   <span class='ocr_line' id='line_1_3' title="bbox 80 210 416 239"><span class='ocrx_word' id='word_1_5' title='bbox 80 210 416 239; x_wconf 96'>孔明灯属于高空明火飞行器&amp;。</span></span>
  </p>
 </div>
</div></body></html>
"""

ALTO = """<?xml version="1.0" encoding="UTF-8"?>
<alto xmlns="http://www.loc.gov/standards/alto/ns-v3#">
 <Description><MeasurementUnit>pixel</MeasurementUnit></Description>
 <Layout><Page WIDTH="1000" HEIGHT="1400" PHYSICAL_IMG_NR="1"><PrintSpace>
  <TextBlock ID="b1" HPOS="80" VPOS="90" WIDTH="340" HEIGHT="150">
   <TextLine HPOS="80" VPOS="90" WIDTH="320" HEIGHT="52">
    <String CONTENT="孔明灯" HPOS="80" VPOS="90" WIDTH="150" HEIGHT="52" WC="0.93"/><SP WIDTH="10"/>
    <String CONTENT="倡议书" HPOS="250" VPOS="90" WIDTH="150" HEIGHT="52" WC="0.91"/>
   </TextLine>
  </TextBlock>
  <TextBlock ID="b2" HPOS="80" VPOS="170" WIDTH="340" HEIGHT="70">
   <TextLine HPOS="136" VPOS="170" WIDTH="280" HEIGHT="29"><String CONTENT="2023" HPOS="136" VPOS="170" WIDTH="60" HEIGHT="29"/><SP/><String CONTENT="年" HPOS="200" VPOS="170" WIDTH="28" HEIGHT="29"/><SP/><String CONTENT="Harbin" HPOS="230" VPOS="170" WIDTH="90" HEIGHT="29"/><SP/><String CONTENT="Daily" HPOS="330" VPOS="170" WIDTH="80" HEIGHT="29"/></TextLine>
  </TextBlock>
 </PrintSpace></Page></Layout>
</alto>
"""


def test_hocr_lines_come_with_their_boxes_and_no_spaces_between_han_characters():
    page = read_hocr(HOCR)
    assert (page.width, page.height) == (1000, 1400)
    assert [line.text for line in page.lines] == ["孔明灯倡议书", "本报讯记者李佳琪", "孔明灯属于高空明火飞行器&。"]
    assert page.lines[0].box == (80, 90, 320, 52)
    assert page.lines[1].confidence == pytest.approx(0.40)


def test_alto_strings_are_joined_without_the_spaces_tesseract_puts_between_them():
    page = read_alto(ALTO)
    assert [line.text for line in page.lines] == ["孔明灯倡议书", "2023年Harbin Daily"]
    assert page.lines[0].words[1] == ("倡议书", (250, 90, 150, 52), pytest.approx(0.91))
    assert read_ocr(ALTO, "x.xml").lines[0].text == "孔明灯倡议书"


def test_join_words_keeps_spaces_only_between_latin_words():
    assert join_words(["孔", "明", "灯"]) == "孔明灯"
    assert join_words(["Harbin", "Daily", "，", "哈尔滨"]) == "Harbin Daily，哈尔滨"


def test_larger_type_is_a_heading_and_an_indented_line_a_new_paragraph():
    text, where = page_text(read_hocr(HOCR))
    assert text.split("\n\n")[0] == "## 孔明灯倡议书"
    assert "本报讯记者李佳琪\n孔明灯属于" in text  # one paragraph: the second line is not indented
    assert [line.text for line in where[1]] == ["孔明灯倡议书"]


def test_an_article_running_down_two_columns_has_a_region_in_each():
    lines = [OcrLine("甲" * 10, (80, 100 + 40 * k, 330, 30)) for k in range(5)]
    lines += [OcrLine("乙" * 10, (500, 100 + 40 * k, 330, 30)) for k in range(3)]
    assert regions_of(lines) == [(80, 100, 330, 190), (500, 100, 330, 110)]


@pytest.mark.parametrize("data, message", [
    ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><html><body>'
     "<div class='ocr_page' title='bbox 0 0 10 10'>&b;</div></body></html>", "declares entities"),
    ("<html><body><div class='ocr_page' title='bbox 0 0 10 10'><p>", "not well-formed"),
    ("<html><body>nothing</body></html>", "neither hOCR"),
])
def test_bad_ocr_files_are_refused_naming_the_file(data, message):
    with pytest.raises(BuildError) as error:
        read_ocr(data, "pages/1.hocr")
    assert message in str(error.value) and "pages/1.hocr" in str(error.value)


def test_a_rule_read_as_characters_is_set_aside_as_noise_not_made_an_article():
    from newsarchive.importer import parse_page
    text = ("和|司\n\n## 孔明灯倡议书\n\n【新华社延安十二日电】孔明灯属于高空明火飞行器。\n\n"
            "## 第二篇文章\n\n【本报讯】第二篇的正文。\n")
    result = parse_page(text)
    assert [f["text"] for f in result.furniture] == ["和|司"] and "OCR noise" in result.furniture[0]["reason"]
    assert [(a.title, [p.text for p in a.paras][:1]) for a in result.articles] == [
        (["孔明灯倡议书"], ["【新华社延安十二日电】孔明灯属于高空明火飞行器。"]), (["第二篇文章"], ["【本报讯】第二篇的正文。"])]


def test_a_headings_short_last_line_stays_with_it():
    from newsarchive.ocr import OcrPage
    body = [OcrLine("正文" * 6, (80, 300 + 40 * k, 336, 29), paragraph=2) for k in range(6)]
    deck = [OcrLine("——放手不等于自流领导", (80, 200, 396, 36), paragraph=1),
            OcrLine('如同"赶车”', (80, 240, 150, 36), paragraph=1)]
    text, where = page_text(OcrPage(1000, 1000, deck + body))
    assert text.startswith('### ——放手不等于自流领导如同"赶车”\n\n正文')
    assert len(where[1]) == 2
