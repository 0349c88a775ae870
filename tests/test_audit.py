"""The HTML audit page: what it lists, that it escapes everything, and how a real browser shows it.

The browser tests run Debian's headless Chromium (`.ci/run` installs it when it is missing) and
read the DOM after the page's own script has run; they are skipped, with the reason shown, only
on a machine where Chromium is not installed.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import pickle
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given

import cleaner
from cleaner import Document, Edit, Pipeline, audit, report

from .conftest import FIXTURES
from .strategies import any_text, chinese_sentence

SAMPLES = sorted(p for p in (FIXTURES / "samples").glob("*.*") if p.name != "README.md")
PROMPT = "打开网易新闻 查看精彩图片"
SCRIPT_LINE = "<script>document.title='pwned'</script>"


# --- a small DOM, enough to read tables back ----------------------------------------------------

VOID = {"meta", "input", "br", "img", "hr", "link", "wbr"}


@dataclasses.dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = dataclasses.field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter(tag) if cls is None or cls in n.classes()]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: str) -> Node:
    builder = _Builder()
    builder.feed(page)
    builder.close()
    return builder.root


def rows(table: Node) -> list[list[str]]:
    body = table.find_all("tbody")[0]
    return [[td.text() for td in tr.find_all("td")] for tr in body.find_all("tr")]


def doc_section(dom: Node, path: str) -> Node:
    for section in dom.find_all("section", "doc"):
        if section.find_all("h2")[0].text() == path:
            return section
    raise AssertionError(f"no section for {path}")


def removal_rows(section: Node) -> list[list[str]]:
    """line, category, rule, removed text (invisible characters put back) of each removal."""
    tables = section.find_all("table", "removals")
    if not tables:
        return []
    body = tables[0].find_all("tbody")[0]
    return [[source_text(td) for td in tr.find_all("td")] for tr in body.find_all("tr")]


def first_line(cell: str) -> int:
    return int(cell.split("–")[0])


# --- pages to look at ---------------------------------------------------------------------------


def drop_lines(doc: Document) -> Document:
    """A user's own filter: drop the NetEase prompt and any line that is a bare <script> element."""
    pattern = re.compile(rf"^(?:{re.escape(PROMPT)}|<script>.*</script>)[ \t]*(?:\n|$)", re.M)
    return doc.edit("drop_lines", [Edit(m.start(), m.end(), "", "promo-or-script") for m in pattern.finditer(doc.body)])


def sample_raw(path: Path) -> bytes:
    raw = path.read_bytes()
    if path.name == "app-promo-lines.txt":
        # The samples hold no HTML; this line stands for what scrapes sometimes carry along.
        raw = raw.replace("不是小打小闹".encode(), f"{SCRIPT_LINE}\n\n不是小打小闹".encode(), 1)
    return raw


@pytest.fixture(scope="module")
def sample_results() -> list[cleaner.Result]:
    pipeline = Pipeline.default().with_step(drop_lines, after="boilerplate")
    return [cleaner.process(sample_raw(p), path=p.name, pipeline=pipeline) for p in SAMPLES]


@pytest.fixture(scope="module")
def sample_page(sample_results: list[cleaner.Result], tmp_path_factory: pytest.TempPathFactory) -> Path:
    page = tmp_path_factory.mktemp("audit") / "audit.html"
    page.write_text(audit.build(sample_results, title="samples"), encoding="utf-8")
    return page


# --- the page as text ---------------------------------------------------------------------------


def test_removals_repairs_and_warnings_each_have_their_table() -> None:
    raw = f"{PROMPT}\r\n\r\n正文第一段\u200b。\r\n".encode()
    pipeline = Pipeline.default(only=["encoding"]).with_step(drop_lines)
    result = cleaner.process(raw, path="a.txt", pipeline=pipeline)
    result = dataclasses.replace(result, document=result.document.warn("mojibake", "unsure", 3, "looks damaged", "Êý¾Ý"))
    dom = parse(audit.build([result]))
    section = doc_section(dom, "a.txt")
    assert removal_rows(section) == [["1", "drop_lines", "drop_lines/promo-or-script", PROMPT]]
    repairs = rows(section.find_all("table", "repairs")[0])
    kinds = {r[1] for r in repairs}
    assert kinds == {"encoding/invisible", "encoding/newline"}
    # Line ends show as ↵ and the carriage return by its code point.
    assert ["1:14", "encoding/newline", "U+000D↵", "↵"] in repairs
    # A removed zero-width space is named, so the row does not read "第一段 → 第一段".
    invisible = next(r for r in repairs if r[1] == "encoding/invisible")
    assert invisible[2:] == ["U+200B", "(nothing)"]
    warnings = rows(section.find_all("table", "warnings")[0])
    assert warnings == [["3", "mojibake/unsure", "looks damaged", "Êý¾Ý"]]


def test_line_numbers_are_lines_of_the_input_file() -> None:
    raw = f"---\ntitle: 标题\n---\n\n第一段。\n\n{PROMPT}\n\n第二段。\n\n{PROMPT}\n"
    pipeline = Pipeline([("drop_lines", drop_lines)])
    result = cleaner.process(raw, path="post.md", pipeline=pipeline)
    listed = [first_line(r[0]) for r in removal_rows(doc_section(parse(audit.build([result])), "post.md"))]
    expected = [n for n, line in enumerate(raw.splitlines(), 1) if line == PROMPT]
    assert listed == expected == [7, 11]


def test_summary_counts_removals_by_category_and_repairs_by_kind() -> None:
    pipeline = Pipeline.default(only=["encoding"]).with_step(drop_lines)
    results = [
        cleaner.process(f"{PROMPT}\n正文\r\n", path="a.txt", pipeline=pipeline),
        cleaner.process(f"正文\n{PROMPT}\n{PROMPT}\n", path="b.txt", pipeline=pipeline),
        cleaner.process("干净的正文\n", path="c.txt", pipeline=pipeline),
    ]
    dom = parse(audit.build(results))
    removed = 3 * len(PROMPT + "\n")
    share = removed / sum(len(r.original_body) for r in results)
    totals = rows(dom.find_all("table", "totals")[0])
    assert totals == [["3", "2", "3", "3", f"{share:.1%}", "1", "0"]]
    assert rows(dom.find_all("table", "removals-by-category")[0]) == [["drop_lines", "3", "3", str(removed)]]
    assert rows(dom.find_all("table", "repairs-by-kind")[0]) == [["encoding/newline", "1", "1"]]
    documents = rows(dom.find_all("table", "documents")[0])
    assert [r[:5] for r in documents] == [
        ["a.txt", "yes", "1", "1", "0"],
        ["b.txt", "yes", "2", "0", "0"],
        ["c.txt", "no", "0", "0", "0"],
    ]


def test_category_comes_from_the_boilerplate_step() -> None:
    raw = f"{PROMPT}\n正文。\n免责声明：本文内容仅供参考。\n"
    result = cleaner.process(raw, path="a.txt", pipeline=Pipeline.default(only=["encoding", "boilerplate"]))
    listed = removal_rows(doc_section(parse(audit.build([result])), "a.txt"))
    assert [r[1:3] for r in listed] == [
        ["app-promo", "boilerplate/open-app-promo"],
        ["disclaimer", "boilerplate/disclaimer"],
    ]


def test_a_worker_collects_and_the_main_process_renders_the_same_page() -> None:
    # The command line cleans files in worker processes: what it sends back must pickle.
    pipeline = Pipeline.default(only=["encoding"]).with_step(drop_lines)
    results = [
        cleaner.process(f"{PROMPT}\r\n正文\u200b。\r\n", path="a.txt", pipeline=pipeline),
        cleaner.process("正文。\n", path="b.txt", pipeline=pipeline),
    ]
    collected = [pickle.loads(pickle.dumps(audit.collect(r, options=pipeline.options))) for r in results]
    assert audit.page(collected, title="run", steps=pipeline.names) == audit.build(
        results, title="run", steps=pipeline.names, options=pipeline.options
    )


def test_the_page_loads_nothing_and_its_policy_allows_only_its_own_style_and_script() -> None:
    result = cleaner.process(f"{PROMPT}\n![图](https://img.example.com/a.png)\n", path="a.txt")
    page = audit.build([result])
    dom = parse(page)
    for node in dom.iter():
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            if name in node.attrs:
                assert node.attrs[name].startswith("#"), (node.tag, name, node.attrs[name])
        assert node.tag not in {"link", "img", "iframe", "object", "embed", "base", "form"}
    assert "url(" not in page and "@import" not in page
    policy = next(m.attrs["content"] for m in dom.iter("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy")
    (style,) = dom.find_all("style")
    (script,) = dom.find_all("script")
    assert "default-src 'none'" in policy
    assert f"style-src '{_sha256(style.text())}'" in policy
    assert f"script-src '{_sha256(script.text())}'" in policy


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_markup_in_any_field_is_text() -> None:
    hostile = '<img src=x onerror="alert(1)">&amp;<script>alert(2)</script>'

    def remove_all(doc: Document) -> Document:
        return doc.edit(hostile, [Edit(0, len(doc.body), "", hostile)]).warn(hostile, hostile, 1, hostile, hostile)

    result = cleaner.process(hostile + "\n", path=hostile, pipeline=Pipeline([(hostile, remove_all)]))
    page = audit.build([result], title=hostile, steps=[hostile])
    dom = parse(page)
    assert len(dom.find_all("script")) == 1
    assert not dom.find_all("img")
    section = dom.find_all("section", "doc")[0]
    assert section.find_all("h2")[0].text() == hostile
    assert removal_rows(section)[0][1:] == [hostile, f"{hostile}/{hostile}", hostile]
    assert dom.find_all("title")[0].text() == hostile


@given(text=any_text | chinese_sentence())
def test_any_removed_text_becomes_one_text_cell(text: str) -> None:
    def remove_all(doc: Document) -> Document:
        return doc.edit("drop_lines", [Edit(0, len(doc.body), "", "all")]) if doc.body.strip() else doc

    doc = Pipeline([("drop_lines", remove_all)])(Document(body=text + "\n", path="t.txt"))
    result = cleaner.Result(markdown=cleaner.render(doc), document=doc, original_body=text + "\n", original_text=text + "\n")
    dom = parse(audit.build([result]))
    assert len(dom.find_all("script")) == 1
    listed = removal_rows(doc_section(dom, "t.txt"))
    assert [r[3] for r in listed] == ([text] if doc.changes else [])


def source_text(node: Node) -> str:
    """A cell's text with each invisible character, shown by its code point, put back."""
    out = []
    for child in node.children:
        if isinstance(child, str):
            out.append(child)
        elif "cp" in child.classes():
            out.append(chr(int(child.text().removeprefix("U+"), 16)))
        else:
            out.append(source_text(child))
    return "".join(out)


# --- in a real browser ----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_browser = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed and could not be (.ci/run installs Debian's chromium with apt-get)",
)


def browse(page: Path, *args: str, fragment: str = "", tmp: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    # The flags that keep headless Chromium quiet and off the network on a closed machine.
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
        page.as_uri() + fragment,
    ]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=180, env={**os.environ, "LANG": "C.UTF-8"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def rendered(page: Path, tmp: Path, fragment: str = "") -> Node:
    return parse(browse(page, "--dump-dom", fragment=fragment, tmp=tmp).stdout)


@needs_browser
def test_browser_lists_every_removal_and_shows_the_script_line_as_text(
    sample_page: Path, sample_results: list[cleaner.Result], tmp_path: Path
) -> None:
    dom = rendered(sample_page, tmp_path)
    html_node = dom.find_all("html")[0]
    assert html_node.attrs.get("data-ready") == "1"  # the page's own script ran under its policy
    assert len(dom.find_all("script")) == 1
    assert dom.find_all("title")[0].text() == "samples"  # the scraped <script> never ran

    promo = removal_rows(doc_section(dom, "app-promo-lines.txt"))
    raw_lines = sample_raw(FIXTURES / "samples" / "app-promo-lines.txt").decode().splitlines()
    prompt_lines = [n for n, line in enumerate(raw_lines, 1) if line.strip() == PROMPT]
    assert len(prompt_lines) == 9
    assert [first_line(r[0]) for r in promo if r[3].strip() == PROMPT] == prompt_lines
    assert [r[3] for r in promo if "script" in r[3]] == [SCRIPT_LINE]

    # Every removal any step made, in every sample, is a row, with its text.
    for result in sample_results:
        expected = [c.before.removesuffix("\n") for c in result.changes if audit.is_removal(c)]
        listed = [r[3] for r in removal_rows(doc_section(dom, result.document.path))]
        assert sorted(listed) == sorted(expected), result.document.path


@needs_browser
def test_browser_filters_by_a_link_from_the_summary(sample_page: Path, tmp_path: Path) -> None:
    dom = rendered(sample_page, tmp_path, fragment="#q=" + "interview")
    sections = dom.find_all("section", "doc")
    visible = [s.find_all("h2")[0].text() for s in sections if "hidden" not in s.attrs]
    assert visible == ["interview-footer-promos.txt"]
    assert dom.find_all("input")[0].attrs.get("id") == "filter"
    shown = next(n for n in dom.iter("span") if n.attrs.get("id") == "shown")
    assert shown.text() == f"1 of {len(SAMPLES)} document(s) shown"

    dom = rendered(sample_page, tmp_path, fragment="#q=" + "pwned")
    promo = doc_section(dom, "app-promo-lines.txt")
    assert "hidden" not in promo.attrs
    table = promo.find_all("table", "removals")[0]
    shown_rows = [tr.find_all("td")[3].text() for tr in table.find_all("tbody")[0].find_all("tr") if "hidden" not in tr.attrs]
    assert shown_rows == [SCRIPT_LINE]


@needs_browser
def test_browser_sorts_a_table_when_its_header_is_clicked(sample_page: Path, tmp_path: Path) -> None:
    # A copy of the page with a few lines that click like a person would (the page's own policy
    # would refuse them, so the copy drops it).
    page = sample_page.read_text(encoding="utf-8")
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    clicks = (
        "<script>var table = Array.prototype.filter.call(document.querySelectorAll('table.removals'),"
        " function (t) { return t.tBodies[0].rows.length > 1; })[0];"
        "var th = table.tHead.rows[0].cells[0]; th.click(); th.click();</script>"
    )
    copy = tmp_path / "clicked.html"
    copy.write_text(page.replace("</body>", clicks + "</body>"), encoding="utf-8")
    dom = rendered(copy, tmp_path)
    table = next(t for t in dom.find_all("table", "removals") if len(rows(t)) > 1)
    assert table.find_all("th")[0].attrs.get("aria-sort") == "descending"
    lines = [first_line(r[0]) for r in rows(table)]
    assert lines == sorted(lines, reverse=True) and len(set(lines)) > 1


@needs_browser
def test_browser_screenshot_is_a_picture_of_the_page(sample_page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "audit.png"
    browse(sample_page, f"--screenshot={shot}", "--window-size=1200,900", tmp=tmp_path)
    width, height, pixels = read_png(shot.read_bytes())
    assert (width, height) == (1200, 900)
    # A blank page compresses to a couple of byte values; a page of tables and text does not.
    assert len(set(pixels)) > 32


def read_png(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
            bit_depth, colour = chunk[8], chunk[9]
            assert bit_depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    pixels = zlib.decompress(idat)
    assert len(pixels) == height * (1 + width * channels)
    return width, height, pixels


def test_a_step_says_whether_its_change_is_a_removal() -> None:
    def tidy(doc: Document) -> Document:
        # Whole lines, but the step calls them repairs (a line of a broken table, say).
        lines = [Edit(m.start(), m.end(), "", "broken-row") for m in re.finditer(r"^\|\|\n", doc.body, re.M)]
        # Part of a line, but a removal: a promo tail cut off a sentence.
        doc = doc.edit("tidy", lines, kind="repair")
        tails = [Edit(m.start(), m.end(), "", "promo-tail", kind="removal", category="promo") for m in re.finditer(r"（广告）", doc.body)]
        return doc.edit("tidy", tails)

    result = cleaner.process("||\n正文（广告）。\n", path="a.txt", pipeline=Pipeline([("tidy", tidy)]))
    section = doc_section(parse(audit.build([result])), "a.txt")
    assert removal_rows(section) == [["2", "promo", "tidy/promo-tail", "（广告）"]]
    assert [r[1] for r in rows(section.find_all("table", "repairs")[0])] == ["tidy/broken-row"]
    assert audit.collect(result).removed_chars == len("（广告）") == report.input_report(result)["summary"]["removed_chars"]
