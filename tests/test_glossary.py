"""The `glossary` step: one spelling per term, in the body and in the front matter's prose."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import cleaner
from cleaner import Document, Pipeline
from cleaner.errors import RuleFileError
from cleaner.frontmatter_io import load_mapping, split_frontmatter
from cleaner.pipeline import DataFile, Options
from cleaner.steps.glossary import glossary

from .conftest import FIXTURES
from .helpers import HAN, assert_idempotent, assert_replays
from .strategies import any_text, article, chinese_sentence, han_run

EXAMPLE = DataFile.read(FIXTURES / "glossary" / "example.toml")
CLEAN_POST = (FIXTURES / "samples" / "clean-post-with-frontmatter.md").read_text(encoding="utf-8")

SCALING = """
[[terms]]
term = "Scaling Law"
variants = ["ScalingLaw", "scaling law", "Skin Law"]
gloss = "缩放定律"
"""


def toml(text: str, path: str = "g.toml") -> DataFile:
    return DataFile(path, text)


def options(*files: DataFile, builtin: bool = True) -> Options:
    return Options(glossary=files, builtin_glossary=builtin)


def run(text: str, *files: DataFile, builtin: bool = True) -> Document:
    return glossary(Document(body=text), options(*files, builtin=builtin))


def body_changes(before: Document, after: Document) -> Document:
    """`after` with only the body changes the step made (front matter ones have offset -1)."""
    new = tuple(c for c in after.changes[len(before.changes) :] if c.offset >= 0)
    return after.replace(changes=before.changes + new)


# --- matching ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("了ScalingLaw的", "了Scaling Law的"),
        ("说到scaling law时", "说到Scaling Law时"),
        ("（Skin Law: 指模型性能）", "（Scaling Law: 指模型性能）"),
        ("SCALING   LAW。", "Scaling Law。"),  # case and runs of spaces
        ("Scaling Law和ScalingLaw", "Scaling Law和Scaling Law"),
    ],
)
def test_variants_become_the_term_next_to_han(text: str, expected: str) -> None:
    assert run(text, toml(SCALING.replace('gloss = "缩放定律"', "")), builtin=False).body == expected


@pytest.mark.parametrize(
    "text",
    [
        "Metadata和MetaAI都不是",  # inside a longer Latin word
        "metaverse",
        "the_meta_key",  # identifiers
        "见meta.com和a.meta",  # domain names
        "Meta-Llama模型",  # a hyphenated compound
        "Meta3",
    ],
)
def test_a_variant_inside_a_longer_word_never_matches(text: str) -> None:
    entry = toml('[[terms]]\nterm = "META"\nvariants = ["meta"]\n')
    assert run(text, entry, builtin=False).body == text


def test_longest_variant_wins() -> None:
    files = toml(
        '[[terms]]\nterm = "LAW"\nvariants = ["law"]\n'
        '[[terms]]\nterm = "Scaling Law"\nvariants = ["scaling law"]\n'
    )
    assert run("scaling law与law", files, builtin=False).body == "Scaling Law与LAW"


def test_case_sensitive_entries_match_only_their_case() -> None:
    entry = toml('[[terms]]\nterm = "GenAI"\nvariants = ["JNI"]\ncase_sensitive = true\n')
    assert run("去JNI帮忙，不是jni", entry, builtin=False).body == "去GenAI帮忙，不是jni"


def test_han_variants_match_without_boundaries() -> None:
    entry = toml('[[terms]]\nterm = "陈茜"\nvariants = ["陈倩"]\n')
    assert run("我是陈倩。", entry, builtin=False).body == "我是陈茜。"


def test_whole_word_false_matches_inside_words() -> None:
    entry = toml('[[terms]]\nterm = "Llama"\nvariants = ["LLaMA"]\ncase_sensitive = true\nwhole_word = false\n')
    assert run("MetaLLaMA3", entry, builtin=False).body == "MetaLlama3"


def test_protected_spans_are_skipped() -> None:
    text = "在 `scaling law` 和 https://a.com/scaling law 之外，scaling law。"
    out = run(text, toml(SCALING.replace('gloss = "缩放定律"', "")), builtin=False).body
    assert out == "在 `scaling law` 和 https://a.com/scaling law 之外，Scaling Law。"


def test_protected_terms_are_skipped() -> None:
    doc = Document(body="《ScalingLaw》与ScalingLaw", protected_terms=("《ScalingLaw》",))
    out = glossary(doc, options(toml(SCALING.replace('gloss = "缩放定律"', "")), builtin=False))
    assert out.body == "《ScalingLaw》与Scaling Law"


def test_changes_name_the_term_and_replay() -> None:
    before = Document(body="了ScalingLaw的")
    after = glossary(before, options(toml(SCALING.replace('gloss = "缩放定律"', "")), builtin=False))
    [change] = after.changes
    assert (change.step, change.rule, change.before, change.after) == ("glossary", "scaling-law", "ScalingLaw", "Scaling Law")
    assert_replays(before, after)


# --- glosses ----------------------------------------------------------------------------------


def test_first_occurrence_in_running_text_gets_the_gloss() -> None:
    text = "## Skin Law与效率\n\n我们说ScalingLaw很重要，scaling law也是。"
    out = run(text, toml(SCALING), builtin=False).body
    assert out == "## Scaling Law与效率\n\n我们说Scaling Law（缩放定律）很重要，Scaling Law也是。"


@pytest.mark.parametrize(
    "text",
    [
        "**缩放定律**（Scaling Law: 指模型性能）",  # the gloss written just before
        "Scaling Law（缩放定律）",
        "Scaling Law (缩放定律)",
        "Scaling Law（一种经验规律）",  # a parenthesis already follows
        "**Scaling Law**（LLM）",
    ],
)
def test_a_term_already_glossed_there_is_left_as_it_is(text: str) -> None:
    assert run(text, toml(SCALING), builtin=False).body == text


def test_glossing_is_idempotent_and_replays() -> None:
    step = lambda doc: glossary(doc, options(toml(SCALING), builtin=False))  # noqa: E731
    before = Document(body="ScalingLaw很重要。\n\nScaling Law也是。")
    after = step(before)
    assert after.body == "Scaling Law（缩放定律）很重要。\n\nScaling Law也是。"
    assert [c.rule for c in after.changes] == ["scaling-law", "gloss"]
    assert_replays(before, after)
    assert_idempotent(step, after)


# --- the built-in glossary ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("代码在github上，用pytorch和Javascript写的", "代码在GitHub上，用PyTorch和JavaScript写的"),
        ("OPENAI发布了IPHONE应用", "OpenAI发布了iPhone应用"),
        ("装nodejs", "装Node.js"),
    ],
)
def test_builtin_brand_casings(text: str, expected: str) -> None:
    assert run(text).body == expected


@pytest.mark.parametrize(
    "text",
    [
        "见github.com和https://github.com/openai",
        "`import pytorch`",
        "huggingface_hub和openai-python",
        "GitHub、iPhone、OpenAI都已正确",
    ],
)
def test_builtin_leaves_names_in_urls_code_and_identifiers(text: str) -> None:
    assert run(text).body == text


def test_builtin_glossary_can_be_turned_off_and_user_files_override_it() -> None:
    assert run("在github上", builtin=False).body == "在github上"
    mine = toml('[[terms]]\nterm = "Github"\nvariants = ["github"]\n')
    assert run("在GITHUB上", mine).body == "在Github上"


# --- glossary files ---------------------------------------------------------------------------


def test_yaml_glossaries_are_read_too() -> None:
    data = DataFile("g.yaml", "terms:\n  - term: Scaling Law\n    variants: [ScalingLaw]\n")
    assert run("了ScalingLaw的", data, builtin=False).body == "了Scaling Law的"


def test_a_variant_pointing_to_two_terms_is_an_error_naming_both() -> None:
    bad = toml('[[terms]]\nterm = "Meta"\nvariants = ["meta ai"]\n[[terms]]\nterm = "Meta AI"\nvariants = ["META AI"]\n')
    with pytest.raises(RuleFileError, match="'Meta' and 'Meta AI'") as info:
        Pipeline.default(glossary=[bad])
    assert info.value.path == "g.toml"


def test_a_clash_across_files_names_both_files() -> None:
    first = toml('[[terms]]\nterm = "GenAI"\nvariants = ["JNI"]\n', "a.toml")
    second = toml('[[terms]]\nterm = "JNI"\n', "b.toml")
    with pytest.raises(RuleFileError, match=r"'GenAI' and 'JNI' \(a.toml and b.toml\)"):
        Pipeline.default(glossary=[first, second])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[[terms]]\nvariants = ["x"]\n', "`term` must be non-empty text"),
        ('[[terms]]\nterm = "X"\nvariant = ["x"]\n', "unknown key 'variant'"),
        ('[[terms]]\nterm = "X"\nvariants = [1]\n', "`variants` must be a list"),
        ('[[terms]]\nterm = "X"\ncase_sensitive = "yes"\n', "`case_sensitive` must be true or false"),
        ('[[terms]\nterm = "X"\n', "not valid TOML"),
        ('[[words]]\nterm = "X"\n', "unknown top-level key 'words'"),
    ],
)
def test_bad_glossary_files_fail_up_front_naming_the_problem(text: str, problem: str) -> None:
    with pytest.raises(RuleFileError, match=problem) as info:
        Pipeline.default(glossary=[toml(text)])
    assert str(info.value).startswith("g.toml: ")


# --- front matter -----------------------------------------------------------------------------


def test_front_matter_prose_fields_are_normalized_and_recorded() -> None:
    raw = "---\ntitle: 谈ScalingLaw\ntags:\n- scalinglaw\nlayout: scalinglaw.njk\npeople:\n- 陈倩\n---\n正文"
    doc = Document.parse(raw)
    files = (toml(SCALING.replace('gloss = "缩放定律"', "")), toml('[[terms]]\nterm = "陈茜"\nvariants = ["陈倩"]\n', "h.toml"))
    out = glossary(doc, options(*files, builtin=False))
    assert out.meta == {"title": "谈Scaling Law", "tags": ["scalinglaw"], "layout": "scalinglaw.njk", "people": ["陈茜"]}
    assert load_mapping(out.frontmatter or "") == dict(out.meta)
    assert out.frontmatter == "title: 谈Scaling Law\ntags:\n- scalinglaw\nlayout: scalinglaw.njk\npeople:\n- 陈茜\n"
    records = [(c.rule, c.line, c.before, c.after, c.offset) for c in out.changes]
    assert records == [
        ("frontmatter:title:scaling-law", 2, "ScalingLaw", "Scaling Law", -1),
        ("frontmatter:people[0]:陈茜", 6, "陈倩", "陈茜", -1),
    ]


def test_the_clean_post_with_the_example_glossary() -> None:
    """The golden check of issue 14: `Scaling Law` everywhere, front matter otherwise unchanged."""
    result = cleaner.process(CLEAN_POST, glossary=[EXAMPLE])
    out = result.markdown
    assert "Skin Law" not in out and "Skin\n  Law" not in out
    meta, yaml_text, body, _ = split_frontmatter(out)
    original, original_yaml, _, _ = split_frontmatter(CLEAN_POST)
    assert "（Scaling Law）" in meta["summary"]
    assert "### Scaling Law与效率挑战" in body.splitlines()
    assert meta["summary"] == original["summary"].replace("Skin Law", "Scaling Law")
    assert {k: v for k, v in meta.items() if k != "summary"} == {k: v for k, v in original.items() if k != "summary"}
    assert list(meta) == list(original)
    # Every line of the front matter but the summary is byte for byte the input's.
    assert [line for line in (yaml_text or "").splitlines() if not line.startswith("summary:")] == [
        line for line in (original_yaml or "").splitlines() if not line.startswith(("summary:", "  Law"))
    ]
    for slip, fix in [("co-funding", "co-founding"), ("GPTOSS", "GPT-OSS"), ("Duo Formal", "Dualformer"), ("JNI", "GenAI")]:
        assert slip not in out and fix in out
    # The post glosses 缩放定律 itself where the term first appears in running text.
    assert "（缩放定律）" not in out
    assert cleaner.clean(out, glossary=[EXAMPLE]) == out


def test_the_clean_post_without_a_glossary_keeps_its_front_matter_byte_for_byte() -> None:
    out = cleaner.clean(CLEAN_POST)
    assert out.split("\n---\n", 1)[0] == CLEAN_POST.split("\n---\n", 1)[0]


# --- properties -------------------------------------------------------------------------------

VARIANTS = ["ScalingLaw", "scaling law", "Skin Law", "co-funding", "GPTOSS", "JNI", "O1", "github", "pytorch", "陈倩"]


@st.composite
def text_with_variants(draw: st.DrawFn) -> str:
    parts = [draw(article())]
    for _ in range(draw(st.integers(0, 6))):
        parts.append(draw(st.sampled_from(["", " ", "**", "（", "，"])))
        parts.append(draw(st.sampled_from(VARIANTS)))
        parts.append(draw(chinese_sentence()))
    return "".join(parts)


@given(text_with_variants())
def test_glossary_twice_equals_once(text: str) -> None:
    step = lambda doc: glossary(doc, options(EXAMPLE))  # noqa: E731
    once = step(Document(body=text))
    assert step(once).body == once.body
    assert_replays(Document(body=text), once)


@given(
    han_run,
    st.from_regex(r"[A-Za-z0-9]{0,3}", fullmatch=True),
    st.sampled_from(["Meta", "Llama", "OpenAI", "Law", "GPT"]),
    st.from_regex(r"[A-Za-z0-9]{0,3}", fullmatch=True),
    han_run,
)
def test_a_variant_matches_only_as_a_whole_latin_word(left: str, prefix: str, variant: str, suffix: str, right: str) -> None:
    entry = toml(f'[[terms]]\nterm = "TERM"\nvariants = ["{variant}"]\n')
    text = left + prefix + variant + suffix + right
    out = run(text, entry, builtin=False).body
    if prefix or suffix:
        assert out == text
    else:
        assert out == left + "TERM" + right


NO_GLOSS = DataFile("example-no-gloss.toml", EXAMPLE.text.replace('gloss = "缩放定律"', ""))


@given(article())
def test_han_text_is_untouched_by_latin_entries(text: str) -> None:
    out = run(text, NO_GLOSS).body
    assert HAN.findall(out) == HAN.findall(text.replace("陈倩", "陈茜"))


@given(any_text)
def test_no_crash_on_any_text(text: str) -> None:
    before = Document(body=text)
    after = glossary(before, options(EXAMPLE))
    assert_replays(before, body_changes(before, after))


ODD_SPELLINGS = """
[[terms]]
term = "Straße"
variants = ["STRASSE"]

[[terms]]
term = "缩放定律"
variants = ["缩放 定律"]
"""


@given(
    st.one_of(
        text_with_variants(),
        any_text,
        st.text(st.sampled_from("sSſtraßeSTRASSE \t缩放定律GitHubgithubİı中"), max_size=24),
    )
)
@example("在Straße上")
@example("ſtrasse")
@example("用GITHUB和缩放 \t定律")
def test_the_quick_test_never_hides_a_match(text: str) -> None:
    """Issue 24: the step skips a body (and a front matter string) in which the case-folded
    spellings do not occur, without masking it. Whatever the text, that test must find every
    place a pattern matches: case folding (`ſ`, `ß`), runs of spaces, Han spellings."""
    from cleaner.steps.glossary import matcher_for

    for files in ((), (toml(SCALING),), (toml(ODD_SPELLINGS),)):
        matcher = matcher_for(options(*files))
        assert matcher is not None
        if not matcher.might_match(text):
            assert matcher.finditer(text) == []
