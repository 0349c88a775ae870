"""The `encoding` step and byte decoding."""

from __future__ import annotations

import codecs
import html
from collections import Counter

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from cleaner import Document, EncodingError
from cleaner.steps.encoding import decode, encoding
from cleaner.text import HAN

from .conftest import FIXTURES
from .helpers import assert_idempotent, assert_replays
from .strategies import any_text, article, real_article

SIMPLIFIED = (FIXTURES / "samples" / "app-promo-lines.txt").read_text(encoding="utf-8")


def run(text: str) -> Document:
    return encoding(Document(body=text))


# --- decoding bytes ---------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["gb18030", "gbk", "utf-16", "utf-8-sig", "utf-8"])
def test_a_simplified_article_decodes_from_each_encoding(codec: str) -> None:
    text, _ = decode(SIMPLIFIED.encode(codec))
    assert text == SIMPLIFIED


def test_big5_bytes_decode_as_big5() -> None:
    traditional = "在寫下三十萬字的小說之前，他正在美國攻讀博士學位。"
    text, name = decode(traditional.encode("big5"))
    assert (text, name) == (traditional, "big5")


@pytest.mark.parametrize(
    "title",
    ["田渊栋专访：Meta裁员背后的AI路线", "数据", "文件下载", "中国人工智能发展报告", "开源大模型"],
)
def test_short_gbk_titles_decode(title: str) -> None:
    assert decode(title.encode("gbk"))[0] == title


@pytest.mark.parametrize("title", ["科幻小說《破曉之鐘》", "關於", "澎湃科技專訪內容", "臺灣"])
def test_short_big5_titles_decode(title: str) -> None:
    assert decode(title.encode("big5"))[0] == title




def test_valid_utf8_is_taken_as_utf8() -> None:
    # These bytes are also valid GBK ("涓枃"), but valid UTF-8 wins without detection.
    assert decode("中文".encode("utf-8")) == ("中文", "utf-8")


def test_bom_decides_and_is_dropped() -> None:
    assert decode(codecs.BOM_UTF8 + "标题".encode()) == ("标题", "utf-8")
    assert decode("标题".encode("utf-16"))[0] == "标题"


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"\x7fELF\x02\x01\x01\x00", "executable"),
        (bytes(range(256)) * 4, "not text"),
        (b"%PDF-1.7\n", "PDF"),
    ],
)
def test_binary_input_is_refused_with_a_message_saying_so(data: bytes, what: str) -> None:
    with pytest.raises(EncodingError, match=what):
        decode(data, path="x.bin")


def test_error_names_the_file() -> None:
    with pytest.raises(EncodingError) as info:
        decode(b"\x89PNG\r\n\x1a\n", path="photo.txt")
    assert str(info.value).startswith("photo.txt: ")


@given(st.binary(max_size=200))
def test_any_bytes_decode_or_raise_encoding_error(data: bytes) -> None:
    try:
        text, _ = decode(data)
    except EncodingError:
        return
    assert isinstance(text, str)


# --- the step ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean", "rule"),
    [
        ("第一行\r\n第二行\r第三行", "第一行\n第二行\n第三行", "newline"),
        ("中\u200b文", "中文", "invisible"),
        ("中\u200c文\u00ad字\u2060", "中文字", "invisible"),
        ("标\ufeff题", "标题", "bom"),
        ("控制\x07字符\x1b", "控制字符", "invisible"),
        ("Cafe\u0301", "Café", "nfc"),
        ("价格\u00a0100元", "价格 100元", "space"),
        ("\u3000\u3000段落开头。", "段落开头。", "space"),
        ("行末\u3000", "行末", "space"),
        ("中间\u3000空格", "中间 空格", "space"),
        ("A&nbsp;B &quot;x&quot; &#20013;&#x6587;", "A B \"x\" 中文", "entity"),
        ("正文。</p>", "正文。", "tag"),
        ("<p>正文。", "正文。", "tag"),
        ("第一段。<br>第二段。", "第一段。\n第二段。", "tag"),
        ('<span style="color:red">红字</span>', "红字", "tag"),
        # Issue 20: an entity encoded twice is decoded until none is left.
        ("这个方案可行&amp;nbsp;，而且便宜", "这个方案可行 ，而且便宜", "entity"),
        ("他说&amp;amp;quot;好&amp;amp;quot;", '他说"好"', "entity"),
        ("小于号写作&amp;lt;", "小于号写作&lt;", "entity"),
        # A tag before a closing mark did not end the line.
        ("<p>能力已经远超以前<br>，这让我们看到机会。<br/>", "能力已经远超以前，这让我们看到机会。", "tag"),
        # Tag remnants at a line end, with a bracket lost.
        ("有哪些职业？。?/p>", "有哪些职业？。?", "tag-remnant"),
        ("第二段文字。br/>", "第二段文字。", "tag-remnant"),
        ("第三段</p\n第四段。", "第三段\n第四段。", "tag-remnant"),
        ("正文结束了p>", "正文结束了", "tag-remnant"),
        # After a quote or list marker a tag opens the block's text: no line break.
        (">  <br>引文。", ">  引文。", "tag"),
        ("- <p>第一项", "- 第一项", "tag"),
    ],
)
def test_rules(raw: str, clean: str, rule: str) -> None:
    doc = run(raw)
    assert doc.body == clean
    assert rule in {c.rule for c in doc.changes}


@pytest.mark.parametrize(
    "text",
    [
        "家庭👨\u200d👩\u200d👧成员",  # ZWJ inside an emoji sequence is part of the emoji
        "a &lt;b&gt; &amp; c",  # these entities stand for text that would otherwise be markup
        "`<br>` and `&nbsp;` in code",
        "```html\n<p>段落</p><br>\n```",
        "访问 https://a.com/x?a=1&amp;b=2 获取",
        "<!-- cleaner: off -->\n中\u200b文</p>\n<!-- cleaner: on -->",
        "普通的中文句子，没有任何问题。",
        "<table><tr><td>表格</td></tr></table>",
        "C++ map<int, p>",  # after ASCII a bracket is code, not a lost tag
        "a->p>",
        "`正文</p`",
    ],
)
def test_leaves_alone(text: str) -> None:
    assert run(text).body == text


def test_c1_controls_are_left_for_the_mojibake_step() -> None:
    text = "â\x80\x9c引号"
    assert run(text).body == text


@given(article())
def test_replays_and_is_idempotent_on_articles(text: str) -> None:
    before = Document(body=text)
    after = encoding(before)
    assert_replays(before, after)
    assert_idempotent(encoding, after)


@given(any_text)
def test_no_crash_replay_and_idempotence_on_any_text(text: str) -> None:
    before = Document(body=text)
    after = encoding(before)
    assert_replays(before, after)
    assert_idempotent(encoding, after)


@given(article())
def test_never_changes_han_or_latin(text: str) -> None:
    import regex

    keep = regex.compile(f"[{HAN}A-Za-z0-9]")
    assert keep.findall(encoding(Document(body=text)).body) == keep.findall(text)


def test_gbk_with_a_lost_byte_is_kept_with_a_warning() -> None:
    text = "第一行正常的中文内容。\n第二行也是正常的中文。\n"
    data = bytearray(text.encode("gbk"))
    lost = data.index("二".encode("gbk")) + 1
    del data[lost]  # the second byte of 二 lost in transit
    doc = Document.parse(bytes(data), path="lost.txt")
    assert doc.encoding == "gb18030"
    assert doc.body.startswith("第一行正常的中文内容。\n第")
    assert "\ufffd" in doc.body.splitlines()[1]
    (warning,) = doc.warnings
    assert (warning.step, warning.rule, warning.line) == ("encoding", "undecodable", 2)


@pytest.mark.parametrize("text", ["中文", "好的，我们明天见", "AI模型"])
def test_utf16_without_bom_is_detected(text: str) -> None:
    assert decode(text.encode("utf-16-le"))[0] == text
    assert decode(text.encode("utf-16-be"))[0] == text


def test_cp1252_latin_text_is_not_read_as_chinese() -> None:
    with pytest.raises(EncodingError):
        decode("Café crème brûlée, naïve façade – voilà".encode("cp1252"))


@pytest.mark.parametrize("text", ["ä½\u00a0å¥½", "ä¸\u00adæ–‡"])
def test_nbsp_and_soft_hyphen_inside_latin_mojibake_are_left_for_the_mojibake_step(text: str) -> None:
    assert run(text).body == text


def test_nbsp_in_french_text_is_still_a_space() -> None:
    assert run("Un café\u00a0! Très\u00a0bien").body == "Un café ! Très bien"


# --- issue 20: entities and tag remnants ----------------------------------------------------------

ENTITY = regex.compile(r"&(?:amp;)*(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


@given(real_article())
def test_on_scraped_articles_no_entity_is_left_but_the_markdown_ones(text: str) -> None:
    """Decoding goes on until none is left: what remains is `&lt;`, `&gt;`, `&amp;`, an unknown
    name, or protected text."""
    doc = encoding(Document(body=text))
    masked = doc.masked()
    for m in ENTITY.finditer(masked):
        assert m.group() in ("&lt;", "&gt;", "&amp;") or html.unescape(m.group()) == m.group(), m.group()
    assert_replays(Document(body=text), doc)
    assert_idempotent(encoding, doc)


@given(real_article())
def test_letters_go_only_with_a_tag_or_entity_record(text: str) -> None:
    keep = regex.compile(f"[{HAN}A-Za-z0-9]")
    doc = encoding(Document(body=text))
    removed = Counter(keep.findall("".join(c.before for c in doc.changes if c.rule in ("tag", "tag-remnant", "entity"))))
    added = Counter(keep.findall("".join(c.after for c in doc.changes)))
    assert Counter(keep.findall(text)) - removed + added == Counter(keep.findall(doc.body))


@given(real_article())
def test_no_line_ends_with_a_tag_remnant_after_chinese(text: str) -> None:
    doc = encoding(Document(body=text))
    for line in doc.masked().split("\n"):
        assert regex.search(r"[^\x00-\x7f](?:/?p>|br/>|</p|<br)[ \t]*$", line) is None, line


# Issue 24: tag remnants are searched only on lines holding `<` or `>`, each line once; the
# whole text searched at every character is the reference.
_REMNANT_TEXT = st.lists(
    st.sampled_from(["<", ">", "/", "p", "br", "div", "</p", "/p>", "br/>", " ", "\t", "\n", "中", "。", "a", "-", "="]),
    max_size=30,
).map("".join)


@given(_REMNANT_TEXT)
def test_tag_remnants_found_line_by_line_are_those_of_the_whole_text(text: str) -> None:
    from cleaner.steps.encoding import _TAG_REMNANT, _tag_remnant_edits

    expected = [(m.start(), m.end()) for m in _TAG_REMNANT.finditer(text)]
    assert [(e.start, e.end) for e in _tag_remnant_edits(text)] == expected


@given(st.text(st.sampled_from("\u200b\u200d\u00ad\ufeff\x01\x7f\u3000\u00a0 a中\n😀"), max_size=20))
def test_the_invisible_hint_misses_nothing_the_rule_takes(text: str) -> None:
    from cleaner.steps.encoding import _INVISIBLE, _INVISIBLE_HINT

    if _INVISIBLE.search(text):
        assert _INVISIBLE_HINT.search(text)
