"""Site templates (issue 25): learn the lines a site repeats, remove them, keep every article line."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cleaner
from cleaner import templates
from cleaner.cli import main
from cleaner.document import Document, unapply
from cleaner.templates import Counts, Learner, Template, learn, line_keys

from .sites import Site, corpus, han, sentence
from .strategies import chinese_sentence


def _clean(template: Template, text: str, group: str | None = None) -> cleaner.api.Result:
    pipeline = cleaner.Pipeline.default(preset="corpus", templates=template)
    return cleaner.process(text, pipeline=pipeline, group=group)


def _lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip()}


# --- the lines that go and the lines that stay ------------------------------------------------------


def test_template_lines_go_and_every_article_line_stays() -> None:
    pages = corpus(3, 20)
    template = learn([(page.text, site.name) for site, _, page in pages])
    assert {g.name for g in template.groups} == {site.name for site, _, _ in pages}
    for site, _, page in pages:
        result = _clean(template, page.text, group=site.name)
        out = _lines(result.markdown)
        for line in page.article_lines:
            assert line.strip() in out, (site.name, line)
        # The section line varies with the page's section (5 sections, 4 pages each: < 5
        # documents), so it may stay; every other template line goes.
        for line in page.template_lines:
            if line.startswith("当前位置"):
                continue
            assert line.strip() not in out, (site.name, line)


def test_a_slogan_two_articles_quote_stays_even_when_repeated_in_one() -> None:
    site = Site.make(7)
    pages = [site.page(i, slogan=i in (0, 1)).text for i in range(20)]
    # Article 0 quotes the slogan twice: three occurrences, but two documents, under three.
    pages[0] = pages[0].replace(site.slogan_line, f"{site.slogan_line}\n\n{sentence(random.Random(9))}\n\n{site.slogan_line}")
    template = learn(pages, min_documents=3)
    (group,) = template.groups
    assert site.slogan_line not in {key for key, _ in group.lines}
    assert _clean(template, pages[0]).markdown.count(site.slogan_line) == 2
    assert site.slogan_line in _clean(template, pages[1]).markdown


def test_the_threshold_is_min_documents_and_min_share() -> None:
    base = [f"正文第{i}段写的是{han(random.Random(i), 6, 9)}\n" for i in range(40)]
    pages = [text + ("菜单甲乙\n" if i < 4 else "") + ("菜单丙丁\n" if i < 5 else "") for i, text in enumerate(base)]
    keys = {k for k, _ in learn(pages).groups[0].lines} if learn(pages).groups else set()
    assert "菜单丙丁" in keys and "菜单甲乙" not in keys  # 5 documents of 40 reach max(5, 4); 4 do not
    strict = {k for g in learn(pages, min_share=0.2).groups for k, _ in g.lines}
    assert "菜单丙丁" not in strict  # 20 % of 40 is 8 documents


def test_lines_in_code_tables_and_quotes_stay() -> None:
    nav = "首页 | 新闻 | 关于我们"
    pages = [f"{nav}\n正文第{i}篇，{han(random.Random(i), 10, 14)}。\n" for i in range(10)]
    template = learn(pages)
    page = (
        f"{nav}\n正文。\n\n```\n{nav}\n```\n\n> {nav}\n\n| 列 | 值 |\n|---|---|\n| {nav} | 1 |\n\n<!-- cleaner: off -->\n{nav}\n<!-- cleaner: on -->\n"
    )
    out = _clean(template, page).markdown
    assert out.count("首页 | 新闻 | 关于我们") == 4  # only the plain line went
    assert not out.startswith("首页")


def test_a_long_article_sentence_in_every_page_stays() -> None:
    quote = sentence(random.Random(3)) + sentence(random.Random(4))  # > 40 Han, ends a sentence
    pages = [f"导航栏目一二\n{quote}\n第{i}篇{han(random.Random(i), 8, 12)}\n" for i in range(10)]
    template = learn(pages)
    keys = {k for g in template.groups for k, _ in g.lines}
    assert "导航栏目一二" in keys and not any(len(k) > 40 for k in keys)
    assert quote in _clean(template, pages[0]).markdown


def test_keys_fold_space_digits_dates_and_script() -> None:
    same = ["© 2023 某某网 版权所有", "©2024　某某網 版權所有", "© 1999  某某网  版权所有 "]
    assert len(set(line_keys(same))) == 1
    assert len(set(line_keys(["Updated May 3, 2024", "updated Sep 12, 2025"]))) == 1
    assert len(set(line_keys(["星期一 天气晴", "星期日 天气晴"]))) == 1
    assert line_keys(["首页 | 新闻"]) != line_keys(["首页 | 体育"])


# --- the change record, the report and the audit ---------------------------------------------------


def test_removals_carry_rule_template_with_group_and_documents() -> None:
    site = Site.make(1)
    pages = [site.page(i, front_matter=True).text for i in range(12)]
    template = learn(pages)
    assert [g.name for g in template.groups] == [site.domain]  # front matter `source`, by host
    result = _clean(template, pages[0])
    found = [c for c in result.changes if c.rule == "template"]
    assert found and all(c.step == "boilerplate" for c in found)
    detail = dict(found[0].detail)
    assert detail["group"] == site.domain and detail["documents"] == 12 and detail["of"] == 12
    entry = cleaner.report.input_report(result)
    templated = [c for c in entry["changes"] if c["rule"] == "template"]
    assert templated[0]["detail"] == {"group": site.domain, "documents": 12, "of": 12}
    assert entry["summary"]["by_rule"]["boilerplate/template"] == len(found)
    assert entry["summary"]["removed_by_category"]["template"] == len(found)


def test_audit_groups_template_removals_by_site() -> None:
    pages = corpus(2, 10)
    template = learn([(page.text, site.name) for site, _, page in pages])
    results = [_clean(template, page.text, group=site.name) for site, _, page in pages]
    page = cleaner.audit.build(results, steps=("boilerplate",))
    assert "Template removals by site" in page
    for site, _, _ in pages:
        assert f">{site.name}<" in page


def test_steps_stay_pure_replayable_and_idempotent() -> None:
    pages = corpus(1, 12)
    template = learn([page.text for _, _, page in pages])
    options = cleaner.Options(templates=template)
    for _, _, page in pages[:4]:
        doc = Document.parse(page.text)
        once = templates.remove_template_lines(doc, options)
        assert unapply(once.body, once.changes) == doc.body
        assert templates.remove_template_lines(once, options).body == once.body


# --- the map-reduce --------------------------------------------------------------------------------


@given(st.lists(st.integers(1, 9), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_counts_do_not_depend_on_how_the_documents_were_split(cuts: list[int], rng: random.Random) -> None:
    lines = ["页眉甲", "页眉乙", "页脚丙", "栏目丁"]
    pages = ["\n".join(rng.sample(lines, rng.randint(0, 4)) + [han(rng, 3, 9)]) for _ in range(30)]

    def learned(batch_sizes: list[int]) -> Template:
        learner = Learner(min_documents=3, min_share=0.0)
        at = 0
        for size in batch_sizes * 30:
            counts = Counts()
            for text in pages[at : at + size]:
                templates.count_raw(counts, text, path="x", hint="g", group_by=None)
            learner.add(counts)
            at += size
        return learner.template()

    assert learned(cuts).to_json() == learned([30]).to_json()


@given(st.lists(chinese_sentence(), min_size=6, max_size=12), st.integers(2, 6))
def test_only_lines_in_enough_documents_go(sentences: list[str], min_documents: int) -> None:
    pages = [f"固定的页眉文字\n{s}\n固定的页脚文字\n" for s in sentences]
    template = learn(pages, min_documents=min_documents)
    keys = line_keys(sentences)
    options = cleaner.Options(templates=template)
    for page, text, key in zip(pages, sentences, keys):
        doc = templates.remove_template_lines(Document.parse(page), options)
        assert "固定的页眉文字" not in doc.body and "固定的页脚文字" not in doc.body
        if keys.count(key) < min_documents:
            assert text in doc.body.splitlines()
        assert unapply(doc.body, doc.changes) == page


def test_the_learner_keeps_only_lines_seen_twice() -> None:
    learner = Learner(filter_bits=1 << 20)
    counts = Counts()
    for i in range(3000):
        counts.add_document(f"页眉\n独有的第{i}行{han(random.Random(i), 6, 9)}\n", "g")
    learner.add(counts)
    assert len(learner.repeated) < 30


# --- the command line: -j, Dask, saved templates ---------------------------------------------------


def _write_corpus(root: Path, sites: int = 3, articles: int = 12) -> dict[str, str]:
    texts = {}
    for site, index, page in corpus(sites, articles):
        path = root / site.name / f"{index:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page.text, encoding="utf-8")
        texts[f"{site.name}/{index:03d}.md"] = page.text
    return texts


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_j1_j2_and_dask_give_the_same_bytes(tmp_path: Path) -> None:
    _write_corpus(tmp_path / "in")
    saved = []
    trees = []
    for run, jobs in enumerate(("1", "2")):
        template = tmp_path / f"files{run}.json"
        code = main([str(tmp_path / "in"), "-o", str(tmp_path / f"out{run}"), "--preset", "corpus", "--save-templates", str(template), "-j", jobs, "-q"])
        assert code == 0
        trees.append(_tree(tmp_path / f"out{run}"))
        saved.append(template.read_bytes())
    assert trees[0] == trees[1] and saved[0] == saved[1]
    # The same corpus as JSON Lines, its site in a field: -j 1, -j 2 and a local Dask cluster.
    records = tmp_path / "records.jsonl"
    with records.open("w", encoding="utf-8") as out:
        for path in sorted((tmp_path / "in").rglob("*.md")):
            record = {"text": path.read_text(encoding="utf-8"), "site": path.parent.name}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    runs = [["-j", "1"], ["-j", "2"]]
    try:
        import distributed  # noqa: F401

        runs.append(["-j", "2", "--dask", "local"])
    except ImportError:  # pragma: no cover - the dask extra is part of the test install
        pass
    outputs = []
    for run, extra in enumerate(runs):
        template = tmp_path / f"records{run}.json"
        target = tmp_path / f"out{run}.jsonl"
        code = main([str(records), "--jsonl", "-o", str(target), "--preset", "corpus", "--group-by", "site", "--save-templates", str(template), *extra, "-q"])
        assert code == 0
        outputs.append(target.read_bytes())
        saved.append(template.read_bytes())
    assert all(o == outputs[0] for o in outputs)
    assert all(s == saved[0] for s in saved)
    cleaned = [json.loads(line)["text"] for line in outputs[0].decode("utf-8").splitlines()]
    assert cleaned == [trees[0][k].decode("utf-8") for k in sorted(trees[0])]
    assert len(json.loads(saved[0])["groups"]) == 3


def test_a_saved_template_on_a_new_page_equals_learning_with_it(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    texts = _write_corpus(tmp_path / "in", sites=1, articles=15)
    (name,) = {k.split("/")[0] for k in texts}
    new = tmp_path / "in" / name / "014.md"
    new_text = new.read_text(encoding="utf-8")
    # Learning with the new page included.
    assert main([str(tmp_path / "in"), "-o", str(tmp_path / "all"), "--learn-templates", "-q"]) == 0
    # Learning without it, saved, then applied to it alone in a pipe.
    new.unlink()
    assert main([str(tmp_path / "in"), "--learn-templates", "--save-templates", str(tmp_path / "t.json"), "-q"]) == 0
    import io
    import sys

    stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(new_text.encode("utf-8")))
    try:
        capsysbinary.readouterr()
        assert main(["--templates", str(tmp_path / "t.json")]) == 0
        piped = capsysbinary.readouterr().out
    finally:
        sys.stdin = stdin
    assert piped == (tmp_path / "all" / name / "014.md").read_bytes()
    assert b"Copyright" not in piped


def test_template_options_fail_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "t.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    assert main(["--templates", str(bad), str(tmp_path / "t.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a template file" in err and str(bad) in err
    assert main(["--learn-templates", "-"]) == 2
    assert "not stdin" in capsys.readouterr().err
    assert main(["--templates", str(bad), "--learn-templates", str(tmp_path)]) == 2
    assert main(["--template-min-documents", "1", "--learn-templates", str(tmp_path), "-o", str(tmp_path / "o")]) == 2


def test_template_json_round_trips() -> None:
    template = learn([page.text for _, _, page in corpus(1, 10)])
    again = Template.from_json(json.loads(template.dumps()))
    assert again == template and repr(again) == repr(template)


def test_dask_python_api_learns_and_cleans_as_the_command_line(tmp_path: Path) -> None:
    pytest.importorskip("distributed")  # the `[dask]` extra
    on_dask = pytest.importorskip("cleaner.dask")
    shards = tmp_path / "shards"
    shards.mkdir()
    pages = corpus(2, 12)
    for part in range(2):  # two shards, the sites spread over both
        with (shards / f"part{part}.jsonl").open("w", encoding="utf-8") as out:
            for site, index, page in pages:
                if index % 2 == part:
                    out.write(json.dumps({"text": page.text, "url": f"https://{site.domain}/{index}"}, ensure_ascii=False) + "\n")
    assert main([str(shards), "--jsonl", "-o", str(tmp_path / "cli"), "--learn-templates", "--save-templates", str(tmp_path / "t.json"), "-j", "1", "-q"]) == 0
    template = on_dask.learn_templates(str(shards / "*.jsonl"))
    assert template.dumps() == (tmp_path / "t.json").read_text(encoding="utf-8")
    assert {g.name for g in template.groups} == {"site0.example.com", "site1.example.com"}
    on_dask.clean_jsonl(str(shards / "*.jsonl"), str(tmp_path / "dask"), templates=template, now=None)
    for part in range(2):
        assert (tmp_path / "dask" / f"part{part}.jsonl").read_bytes() == (tmp_path / "cli" / f"part{part}.jsonl").read_bytes()


def test_templates_and_group_by_from_the_config_file(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    site = Site.make(3)
    pages = [site.page(i, front_matter=True).text for i in range(8)]
    (tmp_path / "sites.json").write_text(learn(pages, group_by="source").dumps(), encoding="utf-8")
    (tmp_path / "cleaner.toml").write_text('templates = "sites.json"\ngroup-by = "source"\npreset = "corpus"\n', encoding="utf-8")
    (tmp_path / "new.md").write_text(pages[0], encoding="utf-8")
    capsysbinary.readouterr()
    assert main(["--config", str(tmp_path / "cleaner.toml"), str(tmp_path / "new.md")]) == 0
    out = capsysbinary.readouterr().out.decode("utf-8")
    assert "编辑部 主办" not in out and "Copyright" not in out and out.startswith("---\n")


def test_a_group_s_template_applies_to_its_own_documents_only() -> None:
    site_a, site_b = Site.make(11), Site.make(12)
    pages = [(site_a.page(i).text, "a") for i in range(8)] + [(site_b.page(i).text, "b") for i in range(8)]
    template = learn(pages)
    foreign = site_a.page(20).text.replace("\n\n", f"\n\n{site_b.name}编辑部 主办\n\n", 1)
    options = cleaner.Options(templates=template)

    def removed(group: str) -> str:
        return templates.remove_template_lines(Document.parse(foreign).replace(group=group), options).body

    assert f"{site_b.name}编辑部 主办" in removed("a") and f"{site_a.name}编辑部 主办" not in removed("a")
    assert removed("elsewhere") == foreign  # no such group among two: nothing is the template
