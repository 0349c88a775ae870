"""The `mojibake` step: the case tables, the sample, each kind of damage, and its properties."""

from __future__ import annotations

import random

import pytest
import regex
from hypothesis import assume, example, given
from hypothesis import strategies as st

from cleaner import Document
from cleaner.protect import Span
from cleaner.steps.encoding import encoding
from cleaner.steps.mojibake import mojibake, tables
from cleaner.text import HAN as HAN_CLASS
from cleaner.text import HAN_RE, PINYIN_LETTERS

from .conftest import FIXTURES
from .helpers import assert_idempotent, assert_replays, run_step
from .strategies import (
    COMMON_HAN,
    any_text,
    article,
    chinese_sentence,
    damage_big5_as_gbk,
    damage_gbk_as_big5,
    damage_gbk_as_latin,
    damage_latin,
    damage_misaligned,
    damage_pinyin,
    damage_utf8_as_gbk,
)

# The case tables (fixtures/cases/mojibake/) run in tests/test_cases.py.
SAMPLES = FIXTURES / "samples"
HAN = HAN_RE
PINYIN_READING = regex.compile(f"[{HAN_CLASS}][(（][{PINYIN_LETTERS}]{{1,7}}[)）]")


def run(text: str) -> Document:
    return mojibake(encoding(Document(body=text)).replace(changes=()))




# --- the samples ----------------------------------------------------------------------------------


def _sample(name: str) -> Document:
    doc = Document.parse((SAMPLES / name).read_text(encoding="utf-8"))
    return encoding(doc).replace(changes=())


def test_clean_post_comes_out_unchanged() -> None:
    doc = _sample("clean-post-with-frontmatter.md")
    out = mojibake(doc)
    assert out.body == doc.body
    assert out.changes == ()
    assert out.warnings == ()


@pytest.mark.parametrize("name", ["app-promo-lines.txt", "interview-footer-promos.txt"])
def test_samples_without_mojibake_are_unchanged(name: str) -> None:
    doc = _sample(name)
    assert mojibake(doc).changes == ()


def test_traditional_sample_keeps_no_reading_and_reports_what_is_lost() -> None:
    doc = _sample("traditional-pinyin-mojibake.txt")
    out = mojibake(doc)
    # No reading is left after a character that it reads.
    for m in PINYIN_READING.finditer(out.body):
        assert m.group()[2:-1] not in tables().readings.get(m.group()[0], ()), m.group()
    # The misaligned runs read as Chinese again.
    for repaired in ("我們最終希望", "浩瀚無垠", "他們處理的是現實", "大型科技", "現在已經"):
        assert repaired in out.body
    for damaged in ("槲覀冏罱K", "诤棋珶o", "樗麄兲幚淼氖乾F"):
        assert damaged not in out.body
    # What was lost is listed, with the line it was on and the damaged text.
    lost = [w for w in out.warnings if w.rule == "gbk-misaligned"]
    assert lost
    lines = doc.body.split("\n")
    for w in lost:
        assert w.text in lines[w.line - 1]
    assert_replays(doc, out)


# --- each kind, on text damaged the way it happens --------------------------------------------------


@pytest.mark.parametrize(
    ("clean", "damage"),
    [
        ("因为我们最终希望大模型能够对语言有所理解", damage_utf8_as_gbk),
        ("下载数据文件以后再打开", damage_gbk_as_latin),
        ("下载数据文件以后再打开", damage_gbk_as_big5),
        ("這是中文電腦", damage_big5_as_gbk),
        ("请在这里下载中文数据文件", damage_latin),
    ],
)
def test_each_code_page_confusion_is_reversed(clean: str, damage: object) -> None:
    broken = damage(clean)  # type: ignore[operator]
    assert broken != clean
    out = mojibake(Document(body=broken))
    assert out.body == clean
    assert out.warnings == ()


def test_latin_mojibake_keeps_chinese_typography() -> None:
    """ftfy's defaults would straighten the curly quotes and fold the full-width forms."""
    clean = "他说：“你好”，‘再见’……——《书》（注）ＡＩ"
    out = mojibake(Document(body=damage_latin(clean)))
    assert out.body == clean


def test_loss_marks_are_reported_not_removed() -> None:
    out = run("乱码锟斤拷出现在这里")
    assert out.body == "乱码锟斤拷出现在这里"
    assert [(w.line, w.text) for w in out.warnings] == [(1, "锟斤拷")]


def test_lost_character_is_marked_and_reported() -> None:
    out = run("第一行\n浣犲ソ鍚\ufffd")
    assert out.body == "第一行\n你好\ufffd"
    (warning, *_) = out.warnings
    assert warning.line == 2
    assert warning.rule == "utf8-read-as-gbk"
    assert warning.text == "浣犲ソ鍚"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("發(fā)展", "發展"),
        ("場(chǎng)", "場"),
        ("说（shuō）话", "说话"),
        ("发(fa)展", "发展"),  # a reading without tone marks is a reading too
        ("模型(AI)", "模型(AI)"),
        ("研究院(FAIR)", "研究院(FAIR)"),
        ("辛頓(GeoffreyHinton)", "辛頓(GeoffreyHinton)"),
        ("在(2024)", "在(2024)"),
        ("發(shuō)展", "發(shuō)展"),  # not a reading of 發
        ("`發(fā)展`", "`發(fā)展`"),  # code is protected
    ],
)
def test_readings_are_removed_only_after_their_character(text: str, expected: str) -> None:
    assert run(text).body == expected


# --- properties -------------------------------------------------------------------------------------


@given(chinese_sentence())
def test_generated_chinese_is_unchanged(text: str) -> None:
    doc = encoding(Document(body=text)).replace(changes=())
    out = mojibake(doc)
    assert out.body == doc.body


@given(article())
def test_idempotent_and_replayable(text: str) -> None:
    before, after = run_step(mojibake, text)
    assert_replays(before, after)
    assert_idempotent(mojibake, after)


@given(any_text)
def test_never_crashes_and_replays(text: str) -> None:
    before, after = run_step(mojibake, text)
    assert_replays(before, after)


@given(st.lists(st.sampled_from(["`a(fā)`", "https://a.com/發(fā)", "鍥犱负", "Êý¾Ý", "文字"]), min_size=1, max_size=6))
def test_protected_spans_are_untouched(parts: list[str]) -> None:
    text = " ".join(parts)
    before, after = run_step(mojibake, text)
    for protected in ("`a(fā)`", "https://a.com/發(fā)"):
        assert after.body.count(protected) == before.body.count(protected)


def _gbk_text(text: str) -> bool:
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def _han_sentence() -> st.SearchStrategy[str]:
    """A run of common characters with Chinese punctuation: what a damaged stretch was."""
    piece = st.text(st.sampled_from(COMMON_HAN), min_size=4, max_size=14)
    return st.lists(piece, min_size=1, max_size=3).map("，".join).map(lambda s: s + "。")


@given(_han_sentence(), st.sampled_from(["latin", "utf8", "gbk-latin", "gbk-big5", "big5-gbk"]))
def test_lossless_damage_never_gives_other_text(clean: str, kind: str) -> None:
    """Where every byte survives, a repair gives back the original or leaves the text as it is.

    (How often it gives the original is measured in benchmarks/mojibake_accuracy.py.)
    """
    import opencc

    if kind == "big5-gbk":
        clean = opencc.OpenCC("s2t").convert(clean)
    damage = {
        "latin": damage_latin,
        "utf8": damage_utf8_as_gbk,
        "gbk-latin": damage_gbk_as_latin,
        "gbk-big5": damage_gbk_as_big5,
        "big5-gbk": damage_big5_as_gbk,
    }[kind]
    broken = damage(clean)
    assume(broken is not None and broken != clean and "\ufffd" not in broken)
    out = mojibake(Document(body=broken))
    for change in out.changes:
        assert change.after in clean, (broken, out.body)


@given(_han_sentence(), st.integers(1, 4), st.randoms(use_true_random=False))
def test_pinyin_damage_is_undone_exactly(clean: str, every: int, rnd: random.Random) -> None:
    readings = tables().readings

    def reading(ch: str) -> str | None:
        options = sorted(readings.get(ch, ()))
        return rnd.choice(options) if options else None

    broken = damage_pinyin(clean, every, reading)
    assert mojibake(Document(body=broken)).body == clean


@given(_han_sentence(), st.data())
def test_misalignment_repair_invents_no_character(clean: str, data: st.DataObject) -> None:
    """With every byte pair still there (a GB18030 decoder keeps even the unassigned ones),
    every Han character a repair writes is one of the original text."""
    assume(_gbk_text(clean))
    at = data.draw(st.integers(0, len(clean) - 1))
    broken = damage_misaligned(clean, at)
    out = mojibake(Document(body=broken))
    for change in out.changes:
        for ch in change.after:
            assert not HAN.match(ch) or ch in clean, (clean, broken, out.body)


def test_a_character_the_repair_leaves_as_it_was_is_not_in_its_record() -> None:
    """Found by the property above: the realigned `一一万志忠` ends in the `忠` the damaged
    stretch already ended in. Before, the record claimed it as written by the repair."""
    clean = "一一一万志持要。"
    out = mojibake(Document(body=damage_misaligned(clean, 0)))
    assert out.changes, "the stretch is repaired"
    for change in out.changes:
        assert all(not HAN.match(ch) or ch in clean for ch in change.after), change


def _clean_post_sentences() -> list[str]:
    body = (SAMPLES / "clean-post-with-frontmatter.md").read_text(encoding="utf-8").split("---", 2)[2]
    sentences = []
    for part in regex.split(r"(?<=[。！？])|\n", body):
        part = part.strip()
        if len(part) >= 12 and len(HAN.findall(part)) * 3 >= len(part) * 2 and _gbk_text(part):
            sentences.append(part)
    return sentences


@pytest.mark.parametrize("vanish", [False, True])
def test_misalignment_restores_most_damaged_characters(vanish: bool) -> None:
    """Over the sentences of the clean sample post, most characters a lost byte shifted come back
    (with `vanish`, the decoder also dropped the pairs it could not read, as in the sample)."""
    import difflib

    rng = random.Random(7)
    damaged = restored = 0
    for clean in _clean_post_sentences():
        broken = damage_misaligned(clean, rng.randrange(len(clean) // 2), vanish=vanish)
        out = mojibake(Document(body=broken)).body

        def matched(other: str) -> int:
            blocks = difflib.SequenceMatcher(None, clean, other, autojunk=False).get_matching_blocks()
            return sum(b.size for b in blocks)

        before = matched(broken)
        damaged += len(clean) - before
        restored += max(0, matched(out) - before)
    assert damaged > 0
    assert restored / damaged >= (0.5 if vanish else 0.6)


# --- issue 20: other code pages, naughty strings, lines damaged end to end ------------------------

# Correctly encoded words of many scripts, our own: what a mixed-language line is made of.
# (`×` stands between digits: glued to `¡` after Hebrew, `×¡` is exactly what `ס` read as
# cp1252 looks like, and a repair there is right.)
WORDS_OF_MANY_SCRIPTS = (
    "café", "Straße", "Maßª", "Œuvre", "Œé", "ßª", "Üßª", "ąñ", "Æsir", "smørbrød", "Ærø", "1ª", "5º",
    "Čeština", "Zażółć", "Tiếng", "Việt", "naïve", "façade", "Ñandú", "¿Qué?", "¡Olé!", "§ 2", "©", "½",
    "Ελληνικά", "Αθήνα", "Привет", "Москва", "ћирилица", "עברית", "ספר", "العربية", "हिन्दी", "தமிழ்",
    "ひらがな", "カタカナ", "한국어", "中文", "數據", "丂㐀𠀀", "Ｂ", "鷗", "3×4", "—", "…", "«mot»", "„Wort“",
)


@st.composite
def mixed_script_line(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS_OF_MANY_SCRIPTS), min_size=1, max_size=8))
    joints = draw(st.lists(st.sampled_from(["", " ", "，", ", ", "、", "-"]), min_size=len(words), max_size=len(words)))
    return "".join(word + joint for word, joint in zip(words, joints)).strip()


@given(mixed_script_line())
def test_mixed_script_text_is_never_changed(text: str) -> None:
    """Correctly encoded text of any mix of scripts is left as it is (`ßª` is no NKo `ߪ`)."""
    out = mojibake(Document(body=text))
    assert out.body == text
    assert out.changes == ()


@given(mixed_script_line(), st.sampled_from(["cp1252", "cp1251", "cp1250", "mac_roman", "cp437"]))
# ftfy declined the line as a whole, its UTF-8 reading gave `中文`, and a second run read the
# stretch after it on its own (`cafÃ©` -> `café`).
@example("ＢStraße中文café", "cp1252")
def test_other_code_pages_idempotent_and_replayable(text: str, page: str) -> None:
    """Whatever a code-page reading of such a line becomes, a second run changes nothing."""
    try:
        broken = text.encode("utf-8").decode(page)
    except UnicodeDecodeError:
        broken = text
    before, after = run_step(mojibake, broken)
    assert_replays(before, after)
    assert_idempotent(mojibake, after)


@pytest.mark.parametrize(
    ("clean", "page"),
    [
        ("Η καλή Αθήνα και η θάλασσα", "cp1252"),
        ("Привет из Москвы", "cp1251"),
        ("Zażółć gęślą jaźń", "cp1250"),
        ("Zürich und Genève", "mac_roman"),
        ("Ústí nad Labem, Tiếng Việt", "cp437"),
    ],
)
def test_utf8_read_through_other_code_pages_is_repaired(clean: str, page: str) -> None:
    broken = clean.encode("utf-8").decode(page)
    assert mojibake(Document(body=broken)).body == clean


def test_naughty_string_survives_the_whole_pipeline_twice() -> None:
    """`ßª` and `Œé` are German, Spanish and French letters, not mojibake of NKo and Greek."""
    import cleaner

    once = cleaner.clean("東京ポあB鸟ŒéＣ茶Üßªęñ丂㐀𠀁")
    assert "ßª" in once and "Œé" in once
    assert cleaner.clean(once) == once


def _big5_read_as_gbk(text: str) -> str:
    return text.encode("big5").decode("gb18030")


def test_line_read_through_the_wrong_code_page_is_repaired_whole() -> None:
    """Every stretch of a Big5 review read as GBK comes back, not only the ones holding a rare
    character (`┬丁` is `房間`, and holds none)."""
    clean = "總之,房間隔音太差,浴室太小,早餐很普通,不推薦。"
    out = mojibake(Document(body=_big5_read_as_gbk(clean)))
    assert out.body == clean
    assert out.warnings == ()


def test_line_with_an_unreadable_stretch_is_left_whole_and_reported() -> None:
    """If one stretch of the damage cannot be read, none is converted, and the damage is
    reported once for the line."""
    broken = _big5_read_as_gbk("總之,房間隔音太差,浴室太小,早餐很普通,不推薦") + ",ヴヵヶ"
    out = mojibake(Document(body=broken))
    assert out.body == broken
    (warning,) = [w for w in out.warnings if w.rule == "big5-read-as-gbk"]
    assert warning.line == 1
    assert warning.text in broken and warning.text.startswith("羆ぇ") and warning.text.endswith("ヴヵヶ")


@given(st.lists(_han_sentence().map(lambda s: s.rstrip("。")), min_size=2, max_size=4))
def test_a_line_damaged_end_to_end_is_repaired_all_or_not_at_all(clauses: list[str]) -> None:
    import opencc

    clean = opencc.OpenCC("s2t").convert(",".join(clauses)) + "。"
    try:
        broken = _big5_read_as_gbk(clean)
    except UnicodeError:
        assume(False)
        return
    out = mojibake(Document(body=broken))
    swapped = [c for c in out.changes if c.rule == "big5-read-as-gbk"]
    if swapped:
        assert mojibake(out.replace(changes=())).changes == ()
        # No stretch that the conversion would still improve is left behind.
        assert "┬" not in out.body and "ぃ" not in out.body


# --- Latin mojibake left unrepaired before a mark the house style rewrites ---------------------------


def test_cut_latin_mojibake_is_reported_and_protected_not_completed() -> None:
    """`E5 85` is `充` with its third byte lost: read as cp1252 it is `å` and U+0085. Doubling
    the ellipsis (`å……`) would hand it a byte, and a second run would read `充`: it stays
    as it is, reported, and protected from the `punctuation` step."""
    import cleaner

    out = run("å\x85")
    assert out.body == "å…"
    (warning,) = out.warnings
    assert (warning.rule, warning.line, warning.text) == ("latin-cut", 1, "å…")
    assert [s for s in out.protected() if s.kind == "inline-damage"] == [Span(0, 2, "inline-damage")]
    once = cleaner.clean("å\x85")
    assert once == "å…\n"
    assert cleaner.clean(once) == once
    # With the third byte there, it is the mojibake of `充`, and repaired.
    assert cleaner.clean("前面å……") == "前面充\n"


@pytest.mark.parametrize(
    "text",
    ["café… naïve", "Non è… facile", "Isso é… complicado", "Er sagte „nä…“", "Él dijo: ¿qué… ?", "Ça y est…"],
)
def test_latin_text_with_an_ellipsis_is_no_leftover(text: str) -> None:
    """The same characters in clean Latin text: `é……` would be the rare `酅`, which this step
    does not read, so nothing is reported or protected and the house style applies."""
    out = run(text)
    assert out.body == text and out.warnings == ()
    assert not [s for s in out.protected() if s.kind == "inline-damage"]


@pytest.mark.parametrize(
    ("text", "once"),
    [
        # The mark inside an unrepaired stretch: `å…±` would become `å……±`, read `充` next time.
        ("ä¸ƒä¸€å…±ä¸€ä…", "ä¸ƒä¸€å…±ä¸€ä…\n"),
        # A closing quote's curly form is byte 0x94: `å…”` would be a whole character.
        ('他说"å…"', '他说"å…"\n'),
        ('他说"ä¸"', '他说"ä¸"\n'),  # `ä¸”` is `且`
        # Dots after a lead byte: `på……` reads `p充`.
        ("中文på...", "中文på...\n"),
        # ftfy reads part of a stretch that ends in a cut character; the strict reading the rest.
        ("ä¸€ä¸€AI ä¸€ä¸€ä¸€ä¸ word", "一一AI一一一ä¸ word\n"),
        # A C1 control that ftfy only shows as cp1252 is a byte of `一` (and of `比`).
        ("ä¸\x80ä¸ word", "一ä¸ word\n"),
        ("café æ¯\x94ã\x80…", "café比々\n"),
        ("café æ\x88\x98å\x80\x91ä¸…", "café战們丅\n"),
        # A cut `—` (`E2 80`) and an ellipsis make U+2005, a space as `encoding` writes it.
        ("中文â€…", "中文\n"),
    ],
)
def test_shapes_of_latin_mojibake_a_second_run_used_to_change(text: str, once: str) -> None:
    import cleaner

    assert cleaner.clean(text) == once
    assert cleaner.clean(once) == once


_CUT_TAILS = ("", "…", "...", "—", "\"", "'", "。", "，好的", " word", "中文", "\n下一行")


@given(
    st.sampled_from(["", "中文", '他说"', "abc ", "\n"]),
    chinese_sentence() | st.text(st.sampled_from(COMMON_HAN[:80] + "…—“”·，。"), min_size=1, max_size=8),
    st.integers(0, 400),
    st.sampled_from(_CUT_TAILS),
    st.booleans(),
)
# A straight quote after `å…`: `punctuation` doubled the ellipsis and left the unbalanced quote
# straight, a form the check for completable stretches did not try.
@example("", "一一一一一一一一一一元一一。", 32, '"', False)
def test_latin_mojibake_cut_at_any_byte_cleans_to_a_fixed_point(
    head: str, text: str, cut: int, tail: str, c1_controls: bool
) -> None:
    """UTF-8 read as cp1252 (or as Latin-1, C1 controls and all) and cut at any byte, before any
    text: cleaning it twice gives what cleaning it once gives."""
    import cleaner
    from cleaner import CleanerError

    from .strategies import read_as_cp1252

    data = text.encode("utf-8")[: cut % (len(text.encode("utf-8")) + 1)]
    damaged = head + (data.decode("latin-1") if c1_controls else read_as_cp1252(data)) + tail
    assume(not damaged.lstrip("\n")[:1].isspace())  # a body opening with a space: not this family
    try:
        once = cleaner.clean(damaged)
    except CleanerError:
        return
    assert cleaner.clean(once) == once


def test_text_ftfy_would_normalize_is_no_crash_and_no_repair() -> None:
    # ftfy reports Unicode normalization as a step of its plan (`\ufb2a` is NFC `\u05e9\u05c1`),
    # and `apply_plan` refused to replay it: the step raised a ValueError.
    assert mojibake(Document(body="\x9d\ufb2a")).body == "\x9d\ufb2a"
    out = mojibake(Document(body="cafÃ©\ufb2a\uf900"))
    assert out.body == "café\ufb2a\uf900"  # the repair only; normalizing is `encoding`'s job


_NOT_NFC = ("\ufb2a", "\u212b", "\uf900", "\u030a")


@given(
    st.lists(
        st.sampled_from([*_NOT_NFC, "A", "\x9d", "\x81", "Ã©", "æ–‡", "ä¸\xad", "中文", " ", "é"]),
        max_size=8,
    ).map("".join)
)
# ftfy normalized `Å` (U+212B) to `Å` and then read it as Latin-1; without the normalization,
# replaying the rest of its plan raised a UnicodeEncodeError.
@example("\u212b\x9d")
def test_characters_unicode_normalizes_are_left_to_encoding(text: str) -> None:
    """Whatever ftfy reads around them, characters NFC would rewrite come out as they went in
    (and the step raises nothing)."""
    out = mojibake(Document(body=text)).body
    assert [out.count(ch) for ch in _NOT_NFC] == [text.count(ch) for ch in _NOT_NFC]
