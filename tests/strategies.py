"""Shared hypothesis strategies: text that looks like what `cleaner` meets.

Chinese sentences are drawn from a realistic character mix (the commonest characters much more
often than rare ones), with Latin words, numbers, URLs and Markdown mixed in.
"""

from __future__ import annotations

from typing import Literal

from hypothesis import strategies as st

from cleaner.text import HAN_RE

# The commonest Han characters of running text, most frequent first (our own list, written
# from general knowledge of Chinese frequency, not copied from a corpus).
COMMON_HAN = (
    "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学"
    "对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面"
    "公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部"
    "正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关"
    "并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安"
    "表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共"
    "风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管"
    "夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品"
    "士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研"
    "像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济"
)
TRADITIONAL_HAN = "這們來說時會國發對個過學後頭見經動長現樣話進與總實當還麼開問點種體電門給關東將軍產"
LATIN_WORDS = ("AI", "Meta", "Llama", "GPT-4", "OpenAI", "GitHub", "model", "Scaling", "Law", "iPhone", "data")
MARKS = "，。：；？！、"

han_char = st.sampled_from(COMMON_HAN[:200]) | st.sampled_from(COMMON_HAN) | st.sampled_from(TRADITIONAL_HAN)
han_run = st.text(han_char, min_size=1, max_size=12)
latin_word = st.sampled_from(LATIN_WORDS) | st.from_regex(r"[A-Za-z]{2,8}", fullmatch=True)
number = st.integers(0, 100000).map(str) | st.sampled_from(["1,000", "2.5", "10:30", "3:1", "2024"])
url = st.sampled_from(["https://example.com/a,b?x=1", "www.thepaper.cn", "http://a.org/路径"])


@st.composite
def chinese_sentence(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 9))
        if kind <= 5:
            parts.append(draw(han_run))
        elif kind == 6:
            parts.append(draw(latin_word))
        elif kind == 7:
            parts.append(draw(number))
        elif kind == 8:
            parts.append(draw(st.sampled_from(MARKS)))
        else:
            parts.append(draw(st.sampled_from(["", " "])) + draw(latin_word) + " ")
    return "".join(parts) + draw(st.sampled_from("。！？"))


@st.composite
def article(draw: st.DrawFn) -> str:
    """Several paragraphs of generated Chinese, one per line, sometimes with Markdown."""
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append("## " + draw(han_run))
        elif kind == 1:
            lines.append("- " + draw(chinese_sentence()))
        elif kind == 2:
            lines.append("```\ncode, here: 1 ,2\n```")
        else:
            lines.append("".join(draw(st.lists(chinese_sentence(), min_size=1, max_size=4))))
    sep = draw(st.sampled_from(["\n", "\n\n", "\r\n"]))
    return sep.join(lines)


# --- documents shaped like real articles (issue 20: idempotence must see them) -----------------

SECTION_NUMBERS = ("01、", "02、", "1、", "一、", "二、", "十二、", "（一）", "(二)", "第一章", "第3节", "第二部分")
SPEAKERS = ("Dwarkesh Patel", "Mark", "Sam Altman", "主持人", "田渊栋", "Q", "A", "问", "答")
# Scraped HTML left in text: entities (once or twice encoded), tags, and tags missing a bracket.
HTML_REMNANTS = (
    "&nbsp;", "&amp;nbsp;", "&amp;amp;quot;", "&quot;", "&#20013;", "&lt;", "&amp;", "&gt;",
    "<br>", "<br/>", "</p>", "<p>", "<span class=\"x\">", "</span>",
)
LINE_END_REMNANTS = ("/p>", "</p", "br/>", "?/p>", "p>", "<br")
CLOSING_MARKS = "，。、；：？！）》”」"
NOTATION = ("O(n log n)", "O(M log M)", "f(x)", "O(N^2)", "(FAIR)", "(open weights)", "(2023)")
SPACES = (" ", "  ", "\u00a0", "\u3000", "\u2002", "\t")


@st.composite
def mixed_sentence(draw: st.DrawFn) -> str:
    """A sentence mixing Han and Latin, with spaces of several widths, HTML remnants and notation
    in it."""
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 11))
        if kind <= 4:
            parts.append(draw(han_run))
        elif kind == 5:
            parts.append(draw(latin_word))
        elif kind == 6:
            parts.append(draw(st.sampled_from(SPACES)))
        elif kind == 7:
            parts.append(draw(st.sampled_from(HTML_REMNANTS)))
        elif kind == 8:
            parts.append(draw(st.sampled_from(NOTATION)))
        elif kind == 9:
            parts.append(draw(st.sampled_from(MARKS + ",:;?!()\"'")))
        elif kind == 10:
            parts.append(draw(number))
        else:
            parts.append(draw(url))
    return "".join(parts) + draw(st.sampled_from(["。", "！", "？", "", "……", "."]))


@st.composite
def article_line(draw: st.DrawFn) -> str:
    """One block of a scraped article: a paragraph, a section title, a list item, a quote, a
    speaker's turn, code, a line broken before a closing mark, or a tag remnant."""
    kind = draw(st.integers(0, 13))
    sentence = draw(st.one_of(chinese_sentence(), mixed_sentence()))
    if kind == 0:
        return draw(st.sampled_from(SECTION_NUMBERS)) + draw(st.sampled_from(["", " ", "\u3000"])) + draw(
            st.one_of(han_run, st.builds(lambda a, b: a + "：" + b, han_run, han_run), st.builds(lambda a: "“" + a + "”", han_run))
        )
    if kind == 1:
        marker = draw(st.sampled_from(["- ", "* ", "1. ", "2) ", "· ", "•", "● ", "・"]))
        return "\n".join(marker + draw(chinese_sentence()) for _ in range(draw(st.integers(1, 3))))
    if kind == 2:
        return draw(st.sampled_from(["> ", ">", "> > "])) + sentence
    if kind == 3:
        speaker = draw(st.sampled_from(SPEAKERS))
        return speaker + draw(st.sampled_from([": ", ":", "：", " : ", "：  "])) + sentence
    if kind == 4:
        body = draw(st.sampled_from(["x = f(a, b);", "int val();\n}", "print('你好, 世界')", "a  b\tc"]))
        return "```" + draw(st.sampled_from(["", "python"])) + "\n" + body + "\n```"
    if kind == 5:
        return "    " + draw(st.sampled_from(["}", "int val();", "return x;"]))
    if kind == 6:
        return draw(st.sampled_from(CLOSING_MARKS)) + sentence
    if kind == 7:
        return sentence + draw(st.sampled_from(LINE_END_REMNANTS))
    if kind == 8:
        return draw(st.sampled_from(["<p>", "", "<div>"])) + sentence + draw(st.sampled_from(["<br>", "<br/>", "</p>", ""])) + draw(
            st.sampled_from(CLOSING_MARKS + "，")
        ) + draw(chinese_sentence())
    if kind == 9:
        # Words separated by spaces on purpose, and words that only look so.
        words = draw(st.lists(st.text(han_char, min_size=2, max_size=4), min_size=2, max_size=5))
        return draw(st.sampled_from(["", "主演：", "关键词: ", "2024-01-01 "])) + " ".join(words)
    if kind == 10:
        return "## " + draw(han_run)
    if kind == 11:
        return draw(st.sampled_from(["\u3000\u3000", "  ", "\t"])) + sentence
    return sentence


@st.composite
def real_article(draw: st.DrawFn) -> str:
    """A document shaped like a scraped article: blocks of every kind `article_line` makes, one
    per line or separated by blank lines, with a title line sometimes."""
    blocks = draw(st.lists(article_line(), min_size=1, max_size=10))
    separators = draw(st.lists(st.sampled_from(["\n", "\n\n", "\n \n", "\r\n"]), min_size=len(blocks), max_size=len(blocks)))
    return "".join(block + sep for block, sep in zip(blocks, separators))


# Annotated because hypothesis's strategy decorators hide the parameter's Literal type from mypy,
# which would otherwise infer tuple[str].
_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
any_text = st.text(st.characters(blacklist_categories=_SURROGATES), max_size=300)


# --- damage: the processes that make mojibake, applied to clean text (the `mojibake` step) ------

_CP1252_TAIL = "€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ"


def read_as_cp1252(data: bytes) -> str:
    """Bytes as a browser reads them with a Latin code page (cp1252, undefined bytes as C1)."""
    return "".join(_CP1252_TAIL[b - 0x80] if 0x80 <= b < 0xA0 else chr(b) for b in data)


def damage_latin(text: str) -> str:
    """UTF-8 read as cp1252: `中文` -> `ä¸­æ–‡`."""
    return read_as_cp1252(text.encode("utf-8"))


def damage_gbk_as_latin(text: str) -> str:
    """GBK read as cp1252: `数据` -> `Êý¾Ý`."""
    return read_as_cp1252(text.encode("gbk"))


def damage_utf8_as_gbk(text: str) -> str:
    """UTF-8 read as GBK (a GB18030 decoder, as browsers use): `因为我们` -> `鍥犱负鎴戜滑`.
    A byte no character can start with (0x80, or a lead before an ASCII byte) becomes U+FFFD."""
    return text.encode("utf-8").decode("gb18030", errors="replace")


def read_as_gbk(data: bytes, mark: str = "?", vanish: bool = False) -> str:
    """Decode GBK the way damaged pages were: a lead byte without a valid trail becomes `mark`
    (the next byte is read again); with `vanish`, a pair in GBK's unassigned areas disappears."""
    out = []
    i = 0
    while i < len(data):
        b = data[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        if i + 1 < len(data):
            try:
                out.append(data[i : i + 2].decode("gbk"))
                i += 2
                continue
            except UnicodeDecodeError:
                if vanish and data[i + 1] >= 0x80:
                    i += 2
                    continue
        out.append(mark)
        i += 1
    return "".join(out)


def damage_misaligned(text: str, at: int, vanish: bool = False) -> str:
    """Lose the first GBK byte of character `at` (a `?` takes its place): the decoder reads one
    byte shifted until the next ASCII byte. A GB18030 decoder reads every pair (the unassigned
    ones as Private Use characters); with `vanish`, the pairs GBK cannot decode disappear, as
    in fixtures/samples/traditional-pinyin-mojibake.txt."""
    data = bytearray()
    for i, ch in enumerate(text):
        b = ch.encode("gbk")
        if i == at and len(b) == 2:
            b = b"?" + b[1:]
        data += b
    if vanish:
        return read_as_gbk(bytes(data), vanish=True)
    return bytes(data).decode("gb18030", errors="replace")


def damage_gbk_as_big5(text: str) -> str | None:
    """GBK read as Big5: `数据` -> `杅擂` (None where Big5 cannot read the bytes)."""
    try:
        return text.encode("gbk").decode("big5")
    except UnicodeError:
        return None


def damage_big5_as_gbk(text: str) -> str | None:
    """Big5 read as GBK: `中國` -> `いい瓣` (None where GBK cannot read the bytes)."""
    try:
        return text.encode("big5").decode("gbk")
    except UnicodeError:
        return None


def damage_pinyin(text: str, every: int, reading: object) -> str:
    """Insert a reading after every `every`-th Han character: `发展` -> `发(fā)展`.
    `reading(ch)` gives the reading, or None to leave the character alone."""
    out = []
    count = 0
    for ch in text:
        out.append(ch)
        if HAN_RE.match(ch):
            count += 1
            r = reading(ch)  # type: ignore[operator]
            if r and count % every == 0:
                out.append(f"({r})")
    return "".join(out)
