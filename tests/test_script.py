"""The `script` step: case tables per target, the override table, one-to-many warnings, the two
OpenCC backends, and its properties.

The tests run with whichever OpenCC package is installed. To compare the two, point
CLEANER_OPENCC_OTHER_PYTHON at a Python whose `opencc` is the other package (`.ci/run` does,
from a second virtual environment that has only opencc-python-reimplemented).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import lru_cache
from typing import Any

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import Document, Options
from cleaner.steps.encoding import encoding
from cleaner.steps.script import CONFIGS, backend, converter, convertible, evidence, one_to_many, overrides, paragraph_verdicts, script
from cleaner.text import HAN

from .conftest import ROOT
from .helpers import assert_idempotent, assert_replays, run_step
from .strategies import COMMON_HAN, TRADITIONAL_HAN, any_text, article, chinese_sentence
from .cases import SAMPLES, all_cases
from .test_punctuation import block_structure

# The case tables (fixtures/cases/script/) run in tests/test_cases.py.
REIMPLEMENTED = backend().startswith("opencc-python-reimplemented")


def step(target: str):  # type: ignore[no-untyped-def]
    options = Options(to=target)

    def run(doc: Document) -> Document:
        return script(doc, options)

    return run


def run(text: str, target: str = "hans", **fields: Any) -> Document:
    return script(encoding(Document(body=text, **fields)).replace(changes=()), Options(to=target))


def test_every_target_has_a_case_table() -> None:
    tables = {case.options.get("to", "hans") for case in all_cases("script") if case.expected is not None}
    assert tables == set(CONFIGS)


def test_keep_changes_nothing() -> None:
    doc = encoding(Document(body="這是繁體，这是简体")).replace(changes=())
    assert script(doc, Options(to="keep")) is doc


def test_a_document_already_in_the_target_script_is_returned_as_it_is() -> None:
    doc = encoding(Document(body=(SAMPLES / "interview-footer-promos.txt").read_text(encoding="utf-8")))
    assert script(doc, Options()) is doc


def test_clean_post_unchanged() -> None:
    doc = Document.parse((SAMPLES / "clean-post-with-frontmatter.md").read_text(encoding="utf-8"))
    doc = encoding(doc).replace(changes=())
    assert script(doc, Options()).changes == ()


def test_the_traditional_sample_comes_out_simplified() -> None:
    doc = run((SAMPLES / "traditional-pinyin-mojibake.txt").read_text(encoding="utf-8"))
    left = [c for c in doc.body if c in convertible("t2s")]
    # Mojibake (GBK read at the wrong byte) is not Chinese text; the `mojibake` step reports it.
    assert set(left) <= set(regex.sub(f"[^{HAN}]", "", "释龀稣痼@棋珶o诤澳闫饺盏纳羁梢允谴a彼ㄗh")), left


def test_protected_terms_are_not_converted() -> None:
    doc = run("這個開源項目叫開放中文", protected_terms=("開放中文",))
    assert doc.body == "这个开源项目叫開放中文"


def test_changes_are_one_per_stretch_and_name_their_rule() -> None:
    doc = run("這意味著開源")
    assert [(c.rule, c.before, c.after) for c in doc.changes] == [
        ("opencc", "這", "这"),
        ("zhe-particle", "著", "着"),
        ("opencc", "開", "开"),
    ]


def test_a_disabled_override_is_not_applied() -> None:
    doc = encoding(Document(body="這意味著開源")).replace(changes=())
    assert script(doc, Options(disable_rules=("zhe-particle",))).body == "这意味著开源"


# --- the override table --------------------------------------------------------------------------

OVERRIDE_EXAMPLES = [(entry, target, source, expected) for entry in overrides() for target in entry.to for source, expected in entry.examples]


def test_override_table_is_well_formed() -> None:
    ids = [entry.id for entry in overrides()]
    assert len(ids) == len(set(ids))
    for entry in overrides():
        assert entry.pairs and entry.examples and entry.why, entry.id
        assert set(entry.to) <= set(CONFIGS), entry.id
        assert set(entry.wrong_in) <= {"opencc", "reimplemented"}, entry.id


@pytest.mark.parametrize(
    ("entry", "target", "source", "expected"),
    OVERRIDE_EXAMPLES,
    ids=[f"{e.id}:{t}:{s}" for e, t, s, _ in OVERRIDE_EXAMPLES],
)
def test_override_examples(entry: Any, target: str, source: str, expected: str) -> None:
    assert run(source, target).body == expected


NEEDED = [
    (entry, target)
    for entry in overrides()
    for target in entry.to
    if ("reimplemented" if REIMPLEMENTED else "opencc") in entry.wrong_in
]


@pytest.mark.parametrize(("entry", "target"), NEEDED, ids=[f"{e.id}:{t}" for e, t in NEEDED])
def test_override_is_needed_with_this_backend(entry: Any, target: str) -> None:
    """An entry that says this backend gets it wrong is still needed: OpenCC alone gets at
    least one of its examples wrong. When a dictionary release fixes it, this fails, and the
    entry's `wrong_in` (or the entry) goes."""
    assert any(converter(CONFIGS[target]).convert(source) != expected for source, expected in entry.examples)


def test_one_to_many_table_is_well_formed() -> None:
    for char, forms in one_to_many().items():
        assert len(char) == 1 and len(forms) >= 2 and all(len(f) == 1 for f in forms), char


# --- one-to-many warnings ----------------------------------------------------------------------


def test_a_character_no_phrase_decided_is_reported() -> None:
    doc = run("他的发。", "hant")
    assert doc.body == "他的發。"
    (warning,) = doc.warnings
    assert (warning.step, warning.rule, warning.line) == ("script", "one-to-many", 1)
    assert "发" in warning.message and "髮" in warning.message
    assert warning.text == "他的发。"


@pytest.mark.parametrize("target", ["hant", "tw", "hk"])
def test_phrases_and_overrides_decide_without_a_warning(target: str) -> None:
    doc = run("头发和发展，以后的皇后，几周", target)
    assert doc.warnings == ()


def test_no_one_to_many_warnings_converting_to_simplified() -> None:
    assert run("他的髮。", "hans").warnings == ()


def test_warning_lines_are_body_lines() -> None:
    doc = run("第一行\n第二行发。", "hant")
    assert [w.line for w in doc.warnings] == [2]


# --- the two backends ----------------------------------------------------------------------------

OTHER_PYTHON = os.environ.get("CLEANER_OPENCC_OTHER_PYTHON")
_SKIP_REASON = (
    f"only one OpenCC backend here ({backend()}); set CLEANER_OPENCC_OTHER_PYTHON to a Python "
    "whose `opencc` is the other package to compare them (.ci/run does)"
)

# Run in a Python with one backend: the step's output for each text and target, and, when asked,
# the entries of the dictionaries the package installed (read from its own files).
_PROBE = r"""
import json, os, subprocess, sys, tempfile
import opencc
from cleaner import Document, Options
from cleaner.steps.script import backend, script

def dictionary(name):
    if hasattr(opencc.OpenCC, "set_conversion"):
        path = os.path.join(os.path.dirname(opencc.opencc.__file__), "dictionary", name + ".txt")
        text = open(path, encoding="utf-8").read()
    else:
        clib = os.path.join(os.path.dirname(opencc.__file__), "clib")
        tool = os.path.join(clib, "bin", "opencc_dict")
        source = os.path.join(clib, "share", "opencc", name + ".ocd2")
        if not (os.path.exists(tool) and os.path.exists(source)):
            return None
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "dict.txt")
            subprocess.run([tool, "-i", source, "-o", out, "-f", "ocd2", "-t", "text"], check=True, capture_output=True)
            text = open(out, encoding="utf-8").read()
    entries = {}
    for line in text.splitlines():
        if "\t" in line:
            key, value = line.split("\t", 1)
            entries[key] = value.split(" ")[0]
    return entries

request = json.load(sys.stdin)
answer = {"backend": backend(), "outputs": {}, "dictionaries": {}}
for target in request.get("targets", []):
    answer["outputs"][target] = [script(Document(body=t), Options(to=target)).body for t in request["texts"]]
for name in request.get("dictionaries", []):
    answer["dictionaries"][name] = dictionary(name)
json.dump(answer, sys.stdout, ensure_ascii=False)
"""


def _probe(python: str, request: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [python, "-c", _PROBE], input=json.dumps(request), capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _dictionaries() -> tuple[dict[str, Any], dict[str, Any]]:
    names = ["STPhrases", "TSPhrases"]
    assert OTHER_PYTHON is not None
    here = _probe(sys.executable, {"dictionaries": names})
    there = _probe(OTHER_PYTHON, {"dictionaries": names})
    assert here["backend"] != there["backend"], "CLEANER_OPENCC_OTHER_PYTHON runs the same backend"
    return here, there


@pytest.mark.skipif(OTHER_PYTHON is None, reason=_SKIP_REASON)
@pytest.mark.parametrize("target", list(CONFIGS))
def test_backends_agree_on_the_samples(target: str) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.iterdir()) if p.name != "README.md"]
    here = _probe(sys.executable, {"texts": texts, "targets": [target]})
    there = _probe(OTHER_PYTHON or "", {"texts": texts, "targets": [target]})
    for ours, theirs in zip(here["outputs"][target], there["outputs"][target]):
        if ours != theirs:
            diff = [(a, b) for a, b in zip(ours.split("\n"), theirs.split("\n")) if a != b]
            pytest.fail(f"{here['backend']} and {there['backend']} differ: {diff[:3]}")


def _phrase_lines(keys: list[str]) -> list[str]:
    # Phrases joined by full-width commas, twenty to a line: each phrase is converted whole.
    return ["，".join(keys[i : i + 20]) for i in range(0, len(keys), 20)]


@pytest.mark.skipif(OTHER_PYTHON is None, reason=_SKIP_REASON)
@pytest.mark.parametrize(("target", "dictionary"), [("hans", "TSPhrases"), ("hant", "STPhrases")])
def test_backends_agree_on_text_from_their_phrase_dictionaries(target: str, dictionary: str) -> None:
    """Text made of every phrase both installed dictionaries define alike converts alike.

    Phrases the two packages define differently (their dictionaries are of different releases)
    are left out and counted; that is a difference of data, not of this code.
    """
    here, there = _dictionaries()
    ours, theirs = here["dictionaries"][dictionary], there["dictionaries"][dictionary]
    if ours is None or theirs is None:
        pytest.skip(f"{dictionary} cannot be read from one of the packages")
    shared = sorted(k for k in ours.keys() & theirs.keys() if ours[k] == theirs[k])
    differing = len(ours.keys() | theirs.keys()) - len(shared)
    print(f"{dictionary}: {len(shared)} phrases defined alike, {differing} defined in one package or differently")
    assert len(shared) > 100
    texts = _phrase_lines(shared)
    a = _probe(sys.executable, {"texts": texts, "targets": [target]})["outputs"][target]
    b = _probe(OTHER_PYTHON or "", {"texts": texts, "targets": [target]})["outputs"][target]
    mismatched = [(x, y) for x, y in zip(a, b) if x != y]
    assert not mismatched, mismatched[:3]


# --- the backend ----------------------------------------------------------------------------------


def test_backend_names_package_and_version() -> None:
    assert regex.fullmatch(r"(opencc [\d.]+ \(official binding\)|opencc-python-reimplemented [\w.]+ \(pure Python\))", backend())


def test_converter_is_built_once_and_takes_either_config_name() -> None:
    assert converter("t2s") is converter("t2s")
    assert converter("t2s.json").convert("開放中文轉換") == converter("t2s").convert("開放中文轉換") == "开放中文转换"


# --- properties --------------------------------------------------------------------------------

TEXTS = st.one_of(article(), chinese_sentence(), any_text, st.text(st.sampled_from(TRADITIONAL_HAN + "，。的是 AI"), max_size=80))
LATIN = regex.compile(r"[A-Za-z0-9]")


@given(TEXTS, st.sampled_from(list(CONFIGS)))
def test_idempotent_and_replayable(text: str, target: str) -> None:
    before, after = run_step(step(target), text)
    assert_replays(before, after)
    assert_idempotent(step(target), after)


@given(TEXTS, st.sampled_from(list(CONFIGS)))
def test_latin_protected_spans_and_markdown_structure_unchanged(text: str, target: str) -> None:
    before, _ = run_step(step(target), text)
    before = before.with_spans()
    after = step(target)(before)
    assert LATIN.findall(after.body) == LATIN.findall(before.body)
    assert before.spans is not None and after.spans is not None
    assert [before.body[s.start : s.end] for s in before.spans] == [after.body[s.start : s.end] for s in after.spans]
    assert block_structure(after.body) == block_structure(before.body)


def test_evidence_is_characters_of_one_script_alone() -> None:
    strong_traditional, weak_traditional = evidence("traditional")
    strong_simplified, weak_simplified = evidence("simplified")
    assert {"這", "們", "說", "塚"} <= strong_traditional and {"这", "们", "说"} <= strong_simplified
    # In GB2312, so in ordinary Simplified use: never enough to make a paragraph Traditional.
    assert {"乾", "後", "於"} <= weak_traditional
    # In Big5: characters Traditional uses (干, 台, 后) and ones it holds only as radicals (气).
    assert {"干", "台", "后", "气"} <= weak_simplified
    assert not {"著", "麽", "才", "面"} & (strong_traditional | weak_traditional | strong_simplified | weak_simplified)


# --- one paragraph at a time (issue 20) ---------------------------------------------------------------

TRADITIONAL_PARAGRAPH = "這是一段用繁體字寫成的說明文字。"
SIMPLIFIED_WITH_QIAN = "李乾今天到了北京，他的书很有名。"


def test_a_simplified_paragraph_stays_as_it_is_beside_a_traditional_one() -> None:
    # OpenCC's t2s turns 乾 into 干 even in a name; converting the whole document did.
    doc = run(TRADITIONAL_PARAGRAPH + "\n\n" + SIMPLIFIED_WITH_QIAN)
    assert doc.body == "这是一段用繁体字写成的说明文字。\n\n" + SIMPLIFIED_WITH_QIAN


def test_a_short_simplified_sentence_goes_to_traditional() -> None:
    # 气 is in Big5 (as a radical), so deciding by what Big5 can hold left this as it was.
    assert run("今天天气很好", "tw").body == "今天天氣很好"
    assert run("今天天气很好", "hant").body == "今天天氣很好"


def test_a_character_of_the_other_script_in_a_paragraph_is_reported_not_changed() -> None:
    text = "这篇报道提到了三塚先生和他们的计划。"
    doc = run(text)
    assert doc.body == text and doc.changes == ()
    assert [(w.rule, w.line) for w in doc.warnings] == [("stray-character", 1)]
    assert "塚" in doc.warnings[0].message


@pytest.mark.parametrize("target", ["hant", "tw", "hk"])
def test_a_character_a_phrase_kept_is_not_converted_on_a_second_run(target: str) -> None:
    # OpenCC keeps 恒 in 恒生; the step's output, now a Traditional paragraph holding one
    # Simplified-only character, must not have it converted on its own the second time.
    once = run("香港恒生指数今天上涨了", target).body
    assert once == "香港恒生指數今天上漲了"
    assert run(once, target).changes == ()


def test_the_decision_is_per_paragraph() -> None:
    body = "\n\n".join(["我们出发了。", "這裡是臺北。", "他们到了。"])
    assert [(p.whole, body[p.start : p.end].strip()) for p in paragraph_verdicts(body, "t2s")] == [(True, "這裡是臺北。")]


# Simplified text: only GB2312 characters (the Simplified national standard's set), with Latin,
# digits and punctuation between.
GB2312_HAN = "".join(
    c for c in (chr(x) for x in range(0x4E00, 0xA000)) if len(c.encode("gb2312", "ignore")) == 2
)
# Traditional text: Big5 characters, with at least one that Simplified does not use.
BIG5_HAN = "".join(c for c in (chr(x) for x in range(0x4E00, 0xA000)) if len(c.encode("big5", "ignore")) == 2)
SEPARATORS = st.sampled_from(["，", "。", "、", " AI ", "2024", "：", "“", "”"])


def _text_of(alphabet: str) -> st.SearchStrategy[str]:
    return st.lists(st.text(st.sampled_from(alphabet), min_size=1, max_size=12) | SEPARATORS, min_size=1, max_size=12).map("".join)


@given(_text_of(GB2312_HAN))
def test_simplified_text_to_hans_changes_nothing(text: str) -> None:
    doc = run(text)
    assert doc.body == text and doc.changes == ()


@given(_text_of(BIG5_HAN), st.sampled_from(sorted(evidence("traditional")[0] & set(BIG5_HAN))), st.sampled_from(["hant", "tw", "hk"]))
def test_traditional_text_to_a_traditional_target_changes_nothing(text: str, traditional: str, target: str) -> None:
    text = traditional + text
    doc = run(text, target)
    assert doc.body == text and doc.changes == ()


PARAGRAPHS = st.one_of(
    chinese_sentence(),
    chinese_sentence().map(converter("s2t").convert),
    _text_of(GB2312_HAN),
    st.text(st.sampled_from(TRADITIONAL_HAN + COMMON_HAN[:300] + "乾著於後干台气"), min_size=1, max_size=40),
).map(lambda p: regex.sub(r"\s+", " ", p).strip() or "空")


@settings(max_examples=25, deadline=None)
@given(st.lists(PARAGRAPHS, min_size=1, max_size=6), st.integers(0, 3), st.sampled_from(list(CONFIGS)))
def test_a_paragraph_converts_the_same_alone_and_inside_a_long_document(paragraphs: list[str], at: int, target: str) -> None:
    """Where the paragraph sits, and how long the document is, changes nothing about it.

    The filler (about 1.2 MB of Simplified and Traditional paragraphs) crosses any internal size
    at which text could be cut.
    """
    filler = [FILLER_SIMPLIFIED, FILLER_TRADITIONAL] * 600
    document = filler[: at * 300] + paragraphs + filler[at * 300 :]
    alone = [run(p, target).body for p in paragraphs]
    inside = run("\n\n".join(document), target).body.split("\n\n")
    assert inside[at * 300 : at * 300 + len(paragraphs)] == alone


FILLER_SIMPLIFIED = "我们这里的新闻报道说，著名的专家王丙乾今天发表了讲话，大家都很认真地听。" * 10
FILLER_TRADITIONAL = "這裡的新聞報導說，著名的專家今天發表了講話，大家都很認真地聽。" * 10




# --- text OpenCC cannot take (issue 21) -----------------------------------------------------------


@pytest.mark.parametrize("target", list(CONFIGS))
def test_a_lone_surrogate_does_not_stop_the_conversion(target: str) -> None:
    # A `\ud800` escape in a JSON record becomes a surrogate, which has no UTF-8 form.
    doc = run("\ud800這是繁體的說明\udc00", target)
    assert doc.body[0] == "\ud800" and doc.body[-1] == "\udc00"
    if target == "hans":
        assert doc.body[1:5] == "这是繁体"


SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)


@given(st.lists(st.one_of(TEXTS, SURROGATE), max_size=6).map("".join), st.sampled_from(list(CONFIGS)))
def test_surrogates_stay_where_they_are(text: str, target: str) -> None:
    before, after = run_step(step(target), text)
    assert [c for c in after.body if "\ud800" <= c <= "\udfff"] == [c for c in before.body if "\ud800" <= c <= "\udfff"]
    assert_replays(before, after)
    assert_idempotent(step(target), after)
