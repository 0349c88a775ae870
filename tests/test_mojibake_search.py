"""The `mojibake` step's misalignment search and reading pass: what was done to make them cheap
changes nothing they find (issue 24)."""

from __future__ import annotations

import random

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner.protect
from cleaner import Document
from cleaner.steps import mojibake as M
from cleaner.text import HAN, PINYIN_LETTERS

from .strategies import COMMON_HAN, TRADITIONAL_HAN, damage_misaligned, damage_pinyin

# --- the beam: dominated states ---------------------------------------------------------------

_PENDING = st.sampled_from([None, 0x81, 0xB0, 0xE4])
_LAST = st.sampled_from(["", "中", "国", "们"])
_COST = st.floats(0.0, 60.0, allow_nan=False).map(lambda c: round(c, 1))


@given(st.dictionaries(st.tuples(_PENDING, _LAST), _COST, min_size=1, max_size=12))
def test_prune_keeps_the_cheapest_states_and_drops_only_dominated_ones(
    costs: dict[tuple[int | None, str], float],
) -> None:
    states = {key: (cost, (None, ""), "", 0) for key, cost in costs.items()}
    kept = M._prune(states)
    assert set(kept) <= set(states) and 1 <= len(kept) <= M._BEAM
    cheapest = min(costs.values())
    assert any(costs[key] == cheapest for key in kept)
    same_pending = {key: min(c for k, c in costs.items() if k[0] == key[0]) for key in costs}
    dominated = {key for key, c in costs.items() if c > same_pending[key] + M._PAIR_BONUS}
    assert not dominated & set(kept)
    # Of the states not dominated, the beam holds the cheapest.
    left_out = set(costs) - dominated - set(kept)
    assert all(costs[out] >= costs[key] for out in left_out for key in kept)


def _sentence(rng: random.Random, alphabet: str) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(6, 16)))


@given(
    st.randoms(use_true_random=False),
    st.sampled_from([COMMON_HAN[:300], COMMON_HAN + TRADITIONAL_HAN]),
    st.booleans(),
    st.sampled_from(["", "，", "(", "AI", "2024年"]),
)
@settings(max_examples=60, deadline=None)
def test_dropping_dominated_states_loses_no_repair(
    rng: random.Random, alphabet: str, vanish: bool, middle: str
) -> None:
    """Without a beam, dropping the states a pair bonus cannot save gives what the full search
    gives: they were never on the best path."""
    clean = _sentence(rng, alphabet) + middle + _sentence(rng, alphabet)
    damaged = damage_misaligned(clean, rng.randrange(len(clean) // 2), vanish=vanish)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(M, "_BEAM", 10**9)
        pruned = M._misaligned_repairs(damaged)
        patch.setattr(M, "_prune", lambda states: states)
        full = M._misaligned_repairs(damaged)
    assert pruned == full


def test_the_search_repairs_the_samples_misaligned_run_as_before() -> None:
    # A run of the Traditional sample (fixtures/samples/traditional-pinyin-mojibake.txt).
    line = "從技術來看,現階段大模型整體還是很受限,因?yàn)槲覀冏罱K希望大模型能夠"
    repairs = M._misaligned_repairs(line[line.index("?") :])
    assert "我們最終" in [r.replacement for r in repairs]


# --- the reading pass -------------------------------------------------------------------------

_READING_TEXT = st.text(
    st.sampled_from(list("發展中文字(（)）ab fā ēxiàn") + ["\U00020000", "\U0002a6d6", "\uf900", "?", "\n"]),
    max_size=40,
)


@given(_READING_TEXT)
def test_the_reading_pattern_finds_what_the_regex_engine_finds(text: str) -> None:
    """The pattern runs on the standard `re` engine now; the `regex` engine it ran on before
    finds the same readings, astral and compatibility Han characters included."""
    before = regex.compile(f"([{HAN}])([(（])([{PINYIN_LETTERS}]{{1,7}})([)）])")
    assert [m.span() for m in M._ANNOTATION.finditer(text)] == [m.span() for m in before.finditer(text)]


def test_brackets_that_are_no_reading_cost_no_second_span_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """`(ai)` after a character it is not a reading of is looked at and left: the step's spans
    stand as they were, not found again for an edit that removed nothing."""
    calls = []
    real = cleaner.protect.find_spans

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    doc = Document(body="我们的研究(ai)团队。\n").with_spans()
    monkeypatch.setattr(cleaner.protect, "find_spans", counted)
    out = M.mojibake(doc)
    assert out.body == doc.body and not out.changes
    assert calls == []


# --- one span search where two are not needed ----------------------------------------------------

_PIECES = st.sampled_from(
    [
        "[链接](https://a.com/x)",
        "](méi)",
        "`代码(dài)`",
        "https://a.com/路(lù)径 ",
        "<b>",
        "</b>",
        "：)",
        ":)",
        "(",
        " ",
        "\n",
        "\n\n",
        "- ",
        "?",
        "AI",
    ]
)


def _first_reading(ch: str) -> str | None:
    readings = M.tables().readings.get(ch)
    return min(readings) if readings else None


@st.composite
def _damaged_with_readings(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 3))
        clean = "".join(draw(st.lists(st.sampled_from(COMMON_HAN[:400] + TRADITIONAL_HAN), min_size=4, max_size=14)))
        if kind == 0:
            parts.append(draw(_PIECES))
        elif kind == 1:
            parts.append(damage_pinyin(clean, draw(st.integers(1, 3)), _first_reading))
        else:
            text = damage_pinyin(clean, draw(st.integers(1, 4)), _first_reading) if kind == 3 else clean
            at = draw(st.integers(0, len(text) - 1))
            if "(" not in text[at : at + 1]:
                parts.append(damage_misaligned(text, at, vanish=draw(st.booleans())))
    return "".join(parts)


@given(_damaged_with_readings())
@settings(max_examples=200, deadline=None)
def test_one_span_search_gives_what_two_give(text: str) -> None:
    """Repairs and readings removed with the spans found once give the document (text, change
    records, warnings, spans) that finding them after each pass gives."""
    doc = Document(body=text).with_spans()
    once = M.mojibake(doc)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(M, "_repaired", lambda doc, edits: _two_searches(doc, edits))
        twice = M.mojibake(doc)
    assert (once.body, once.changes, once.warnings, once.protected()) == (
        twice.body,
        twice.changes,
        twice.warnings,
        twice.protected(),
    )


_REPAIRED = M._repaired


def _two_searches(doc: Document, edits: list[M.Edit]) -> Document:
    return _REPAIRED(doc, edits, one_search=False)


def test_a_link_target_a_repair_undoes_still_loses_its_reading() -> None:
    # `槟銢]` read as a link's text until repaired (`你沒`): the reading after it is removed in
    # the same run, as the spans found after the repair show it.
    out = M.mojibake(Document(body="我們?cè)诤棋珶o(wú)垠，?槟銢](méi)有用。").with_spans())
    assert "(méi)" not in out.body
    assert M.mojibake(out.replace(changes=())).body == out.body
