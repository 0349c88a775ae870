"""The text toolkit (`cleaner.text`): one definition of each character class, the line index,
the safe data-file loader; and that the steps which used to define their own now agree."""

from __future__ import annotations

import re

import pytest
import regex
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cleaner import Document, Options
from cleaner.errors import RuleFileError
from cleaner.steps.boilerplate import parse_rule_file
from cleaner.steps.punctuation import punctuation
from cleaner.steps.spacing import spacing
from cleaner.text import (
    CJK,
    CJK_RE,
    HAN,
    HAN_PROPERTY,
    HAN_RE,
    HANGUL,
    KANA,
    LineIndex,
    han_characters,
    han_count,
    is_cjk,
    line_starts,
    load_yaml,
    spell_han,
)

EVERY_CHARACTER = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
HAN_CHARACTERS = han_characters()
# Han characters the steps used to disagree about: a Hangzhou numeral, a Kangxi radical,
# an Extension H ideograph (Unicode 15), a compatibility ideograph.
DISPUTED = ["\u3021", "\u2f08", "\U00031350", "\uf900"]


# --- the character classes ------------------------------------------------------------------


def test_han_is_the_unicode_han_script_on_every_code_point() -> None:
    assert HAN_RE.findall(EVERY_CHARACTER) == regex.findall(HAN_PROPERTY, EVERY_CHARACTER)


def test_cjk_is_han_kana_and_hangul_and_is_cjk_agrees_with_it() -> None:
    assert CJK == HAN + KANA + HANGUL
    found = set(CJK_RE.findall(EVERY_CHARACTER))
    assert {c for c in EVERY_CHARACTER if is_cjk(c)} == found
    assert {"〇", "々", "か", "カ", "한", "中"} <= found and not found & set("A1，。")


def test_han_characters_are_the_class_in_order() -> None:
    assert HAN_CHARACTERS == HAN_RE.findall(EVERY_CHARACTER)
    assert han_count("".join(HAN_CHARACTERS)) == len(HAN_CHARACTERS) > 98_000


@given(st.sampled_from(HAN_CHARACTERS + DISPUTED))
def test_punctuation_and_spacing_agree_about_every_han_character(han: str) -> None:
    """Both steps read a character beside a mark or a Latin word as Han the same way (before
    the toolkit, `punctuation` left `〡,x` and `⼈,x` alone while `spacing` took them for Han)."""
    assert punctuation(Document(body=f"{han},x"), Options()).body == f"{han}，x"
    assert spacing(Document(body=f"{han} Llama"), Options()).body == f"{han}Llama"


@pytest.mark.parametrize("han", DISPUTED)
def test_the_boilerplate_guard_counts_every_han_character(han: str) -> None:
    assert han_count(f"{han}a{han}") == 2


PATTERN_PIECES = st.lists(st.sampled_from(["中", "a", "[", "]", "^", "\\", "-", "x", "+", HAN_PROPERTY]), max_size=10).map("".join)
TEXTS = st.text(st.sampled_from(["中", "𱍐", "〡", "a", "x", "-", "^", "]", "\\"]), max_size=8)


@given(PATTERN_PIECES, TEXTS)
def test_spell_han_reads_as_the_property_does(pattern: str, text: str) -> None:
    try:
        expected = regex.compile(pattern, regex.V0)
    except regex.error:
        return
    try:
        spelled = re.compile(spell_han(pattern))
    except re.error:
        return  # a pattern `re` cannot read at all goes to `regex` (boilerplate._for_re)
    assert [m.span() for m in spelled.finditer(text)] == [m.span() for m in expected.finditer(text)]


# --- the line index -------------------------------------------------------------------------


@given(st.text(st.sampled_from("ab\n中\r"), max_size=40), st.data())
def test_line_index_positions_count_the_newlines_before(text: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(0, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    assert LineIndex(text).position(offset) == (line, column)
    assert line_starts(text).tolist() == [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]


# --- the data-file loader -------------------------------------------------------------------


def test_yaml_aliases_are_refused() -> None:
    with pytest.raises(yaml.YAMLError, match=r"aliases are not allowed \(\*x\)"):
        load_yaml("a: &x [1, 2]\nb: *x\n")


def test_a_boilerplate_yaml_rule_file_may_not_use_aliases() -> None:
    """The boilerplate loader used `yaml.safe_load`, which expands aliases (a "billion laughs"
    file is a few lines); it now reads YAML as front matter is read."""
    text = (
        "rule:\n"
        "  - &promo {id: a, category: ad, reason: r, pattern: 广告}\n"
        "  - *promo\n"
    )
    with pytest.raises(RuleFileError, match="aliases are not allowed"):
        parse_rule_file(text, "rules.yaml")


def test_a_boilerplate_yaml_rule_file_without_aliases_still_reads() -> None:
    (rule,) = parse_rule_file("rule:\n  - {id: a, category: ad, reason: r, pattern: 广告}\n", "rules.yaml")
    assert rule.id == "a"
