"""Measure encoding detectors on short Chinese snippets (SPEC §6); prints the tables.

    .venv/bin/python benchmarks/encoding_detection.py [--quick]

Snippets are cut from the lines of fixtures/samples/: Simplified lines for GB18030/GBK, UTF-16
and UTF-8; for Big5, Traditional text (the traditional sample with its pinyin annotations
removed, plus Simplified lines converted with OpenCC `s2t.json`), only lines Big5 can encode.
Lengths: a title (10-30 characters, cut at a line start), 50, 200 and 1000 characters.

A detection is correct when decoding the bytes with the detected encoding gives exactly the
original text (a leading BOM dropped). GBK/GB2312/GB18030 count as one family, decoded with
GB18030; Big5/CP950/Big5-HKSCS as another, correct when one of them gives the text back.

This is a benchmark, not a test: it asserts nothing. The numbers are in docs/encoding-detection.md.
"""

from __future__ import annotations

import codecs
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import chardet
import charset_normalizer
import opencc
import regex

from cleaner.errors import EncodingError
from cleaner.steps import encoding as enc

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "fixtures" / "samples"
SEED = 20261123

QUICK = "--quick" in sys.argv
LENGTHS: dict[str, tuple[int, int]] = {"title 10-30": (10, 30), "50": (50, 50), "200": (200, 200), "1000": (1000, 1000)}
COUNTS = {"title 10-30": 400, "50": 300, "200": 150, "1000": 60}
if QUICK:
    COUNTS = {k: max(10, v // 10) for k, v in COUNTS.items()}

GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
BIG5_FAMILY = {"big5", "cp950", "big5hkscs"}

# Pinyin after a character in the traditional sample: `發(fā)`. Lower-case letters only, so
# `(FAIR)` and `(www.thepaper.cn)` stay.
PINYIN = regex.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüê̄ếê̌ềm̄ḿm̀ńňǹ]+\)")
HAN = regex.compile(r"\p{Han}")


# --- the corpus -------------------------------------------------------------------------------


def _lines(name: str) -> list[str]:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[1]
    return [line.strip() for line in text.splitlines() if HAN.search(line)]


def _encodes(text: str, name: str) -> bool:
    try:
        text.encode(name)
    except UnicodeEncodeError:
        return False
    return True


def corpus() -> dict[str, list[str]]:
    simplified = [
        line
        for name in ("app-promo-lines.txt", "interview-footer-promos.txt", "clean-post-with-frontmatter.md")
        for line in _lines(name)
    ]
    s2t = opencc.OpenCC("s2t.json")
    traditional = [PINYIN.sub("", line) for line in _lines("traditional-pinyin-mojibake.txt")]
    traditional += [s2t.convert(line) for line in simplified]
    return {
        "simplified": [line for line in simplified if _encodes(line, "gbk")],
        "traditional": [line for line in traditional if _encodes(line, "big5")],
    }


def snippets(lines: list[str], lo: int, hi: int, count: int, rng: random.Random) -> list[str]:
    """Title-like cuts: start at a line start; a long one runs on over the following lines."""
    stream = "\n".join(lines)
    starts = [0] + [i + 1 for i, c in enumerate(stream) if c == "\n"]
    out: list[str] = []
    while len(out) < count:
        start = rng.choice(starts)
        size = rng.randint(lo, hi)
        piece = stream[start : start + size]
        if hi <= 30:  # a title is one line
            piece = piece.split("\n", 1)[0]
        piece = piece.strip()
        if len(piece) >= lo and HAN.search(piece):
            out.append(piece)
    return out


# (label, text kind, how the text becomes bytes)
ENCODINGS: list[tuple[str, str, Callable[[str], bytes]]] = [
    ("GB18030/GBK", "simplified", lambda s: s.encode("gb18030")),
    ("Big5", "traditional", lambda s: s.encode("big5")),
    ("UTF-16 BOM", "simplified", lambda s: s.encode("utf-16")),
    ("UTF-16LE no BOM", "simplified", lambda s: s.encode("utf-16-le")),
    ("UTF-16BE no BOM", "simplified", lambda s: s.encode("utf-16-be")),
    ("UTF-8", "simplified", lambda s: s.encode("utf-8")),
]


# --- the methods: bytes -> (encoding name or None, decoded text or None) ------------------------


def _family_decode(data: bytes, name: str) -> str | None:
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    if canonical in GB_FAMILY:
        tries = ["gb18030"]
    elif canonical in BIG5_FAMILY:
        tries = ["big5", "cp950", "big5hkscs"]
    else:
        tries = [name]
    texts = []
    for codec in tries:
        try:
            texts.append(data.decode(codec).removeprefix("\ufeff"))
        except UnicodeDecodeError:
            pass
    return "\x00".join(texts) if texts else None  # the caller checks membership


def charset_normalizer_open(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    return best.encoding if best is not None else None


def chardet_open(data: bytes) -> str | None:
    return chardet.detect(data)["encoding"]


def current(data: bytes) -> tuple[str | None, str | None]:
    try:
        text, name = enc.decode(data)
    except EncodingError:
        return None, None
    return name, text


def _front(data: bytes) -> str | None:
    """What every variant shares with decode(): BOM, then the UTF-8 fast path."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return name
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "utf-8"


def _decodable(data: bytes) -> list[str]:
    return [name for name in ("gb18030", "big5") if enc._decodes(data, name)]


def score_only(data: bytes) -> str | None:
    """Trial decode, then the current common-character score alone (no detector library)."""
    if (name := _front(data)) is not None:
        return name
    candidates = _decodable(data)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    return enc._by_common_characters(data, candidates)


def chardet_restricted(data: bytes) -> str | None:
    """Trial decode, then chardet limited to GB18030 and Big5."""
    if (name := _front(data)) is not None:
        return name
    candidates = _decodable(data)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    guess = chardet.detect(data, include_encodings=["gb18030", "big5"])["encoding"]
    if guess:
        family = codecs.lookup(guess).name
        if family in GB_FAMILY:
            return "gb18030"
        if family in BIG5_FAMILY:
            return "big5"
    return enc._by_common_characters(data, candidates)


def _level_sets() -> tuple[frozenset[str], frozenset[str]]:
    gb1 = bytes(b for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF) for b in (hi, lo))
    big5_1 = bytes(
        b for hi in range(0xA4, 0xC7) for lo in [*range(0x40, 0x7F), *range(0xA1, 0xFF)] for b in (hi, lo)
    )
    return frozenset(gb1.decode("gb2312", errors="ignore")), frozenset(big5_1.decode("big5", errors="ignore"))


GB_LEVEL1, BIG5_LEVEL1 = _level_sets()
CJK_PUNCT = regex.compile(r"[\u3000-\u303f\uff01-\uff5e\u2010-\u2027\u00b7\u2030-\u203b]")


def script_score(data: bytes) -> str | None:
    """Trial decode, then a script-aware score: each candidate is judged by its own common set.

    GB18030 text is counted against GB2312 level 1 (3755 common Simplified characters), Big5 text
    against the Big5 level-1 block (5401 common Traditional characters); CJK punctuation counts
    for both; ASCII is left out (the same under both). The higher share wins; a tie goes to GB18030.
    """
    if (name := _front(data)) is not None:
        return name
    candidates = _decodable(data)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None

    def score(name: str) -> float:
        common = GB_LEVEL1 if name == "gb18030" else BIG5_LEVEL1
        text = data.decode(name)
        wide = [c for c in text if c > "\x7f"]
        if not wide:
            return 0.0
        return sum(1 for c in wide if c in common or CJK_PUNCT.match(c)) / len(wide)

    return max(candidates, key=score)


METHODS: list[tuple[str, Callable[[bytes], object]]] = [
    ("1 charset-normalizer", charset_normalizer_open),
    ("2 chardet", chardet_open),
    ("3 current decode()", current),
    ("4a trial+common-char score", score_only),
    ("4b trial+chardet restricted", chardet_restricted),
    ("4c trial+script score", script_score),
]


def correct(result: object, data: bytes, original: str) -> bool:
    if isinstance(result, tuple):  # decode(): compare its text directly
        return result[1] == original
    if result is None:
        return False
    decoded = _family_decode(data, str(result))
    return decoded is not None and original in decoded.split("\x00")


# --- the run ----------------------------------------------------------------------------------


def accuracy_tables() -> None:
    rng = random.Random(SEED)
    lines = corpus()
    print(f"corpus: {len(lines['simplified'])} Simplified lines, {len(lines['traditional'])} Traditional lines (Big5)")
    cuts = {
        (kind, length): snippets(lines[kind], lo, hi, COUNTS[length], rng)
        for kind in lines
        for length, (lo, hi) in LENGTHS.items()
    }
    timings: dict[str, list[float]] = {m: [] for m, _ in METHODS}
    for label, kind, to_bytes in ENCODINGS:
        print(f"\n### {label} — accuracy % (n per length: {', '.join(str(COUNTS[k]) for k in LENGTHS)})\n")
        print("| method | " + " | ".join(LENGTHS) + " |")
        print("|---|" + "---:|" * len(LENGTHS))
        for method, fn in METHODS:
            cells = []
            for length in LENGTHS:
                texts = cuts[(kind, length)]
                ok = 0
                for text in texts:
                    data = to_bytes(text)
                    t0 = time.perf_counter()
                    result = fn(data)
                    timings[method].append(time.perf_counter() - t0)
                    ok += correct(result, data, text)
                cells.append(f"{100 * ok / len(texts):.1f}")
            print(f"| {method} | " + " | ".join(cells) + " |")
    print("\n### time per snippet (ms, mean over every snippet above; 2-core machine)\n")
    print("| method | mean ms | median ms |")
    print("|---|---:|---:|")
    for method, values in timings.items():
        values.sort()
        print(f"| {method} | {1000 * sum(values) / len(values):.3f} | {1000 * values[len(values) // 2]:.3f} |")


def timing_by_length() -> None:
    """Time on GB18030 bytes only, by length: the case every variant has to detect."""
    rng = random.Random(SEED + 1)
    lines = corpus()["simplified"]
    print("\n### time per GB18030 snippet by length (ms, mean)\n")
    print("| method | " + " | ".join(LENGTHS) + " |")
    print("|---|" + "---:|" * len(LENGTHS))
    cuts = {length: snippets(lines, lo, hi, min(COUNTS[length], 60), rng) for length, (lo, hi) in LENGTHS.items()}
    for method, fn in METHODS:
        cells = []
        for length in LENGTHS:
            datas = [t.encode("gb18030") for t in cuts[length]]
            t0 = time.perf_counter()
            for data in datas:
                fn(data)
            cells.append(f"{1000 * (time.perf_counter() - t0) / len(datas):.3f}")
        print(f"| {method} | " + " | ".join(cells) + " |")


def checks() -> None:
    rng = random.Random(SEED + 2)
    print("\n### checks on cleaner.steps.encoding.decode\n")

    def show(what: str, data: bytes) -> None:
        try:
            text, name = enc.decode(data)
            outcome = f"decoded as {name}: {text[:24]!r}"
        except EncodingError as error:
            outcome = f"EncodingError: {error}"
        print(f"- {what}: {outcome}")

    show("plain ASCII", b"Hello, world. Llama 3 release notes\n")
    show("UTF-8 Chinese", "田渊栋离职了".encode())
    show("UTF-8 with BOM", codecs.BOM_UTF8 + "田渊栋离职了".encode())
    show("PNG header + random bytes", b"\x89PNG\r\n\x1a\n" + rng.randbytes(200))
    show("JPEG header", b"\xff\xd8\xff\xe0" + rng.randbytes(200))

    refused = {64: 0, 1024: 0}
    refused_nonul = {8: 0, 64: 0, 1024: 0}
    trials = 200
    accepted_examples: list[str] = []
    for size in refused:
        for _ in range(trials):
            try:
                enc.decode(rng.randbytes(size))
            except EncodingError:
                refused[size] += 1
    for size in refused_nonul:
        for _ in range(trials):
            data = bytes(b for b in rng.randbytes(size * 2) if b)[:size]
            try:
                text, name = enc.decode(data)
                if len(accepted_examples) < 3:
                    accepted_examples.append(f"{data.hex()} -> {name} {text!r}")
            except EncodingError:
                refused_nonul[size] += 1
    for size, n in refused.items():
        print(f"- random bytes, {size} B: refused {n}/{trials}")
    for size, n in refused_nonul.items():
        print(f"- random bytes without NUL, {size} B: refused {n}/{trials}")
    for example in accepted_examples:
        print(f"    accepted: {example}")

    # A byte lost in transit (a truncated download, a bad copy): GB18030 text one byte short.
    lines = corpus()["simplified"]
    outcomes: dict[str, int] = {}
    examples: dict[str, str] = {}
    for text in snippets(lines, 200, 200, 200, rng):
        data = text.encode("gb18030")
        wide = [i for i, b in enumerate(data) if b > 0x7F]
        cut = rng.choice(wide)
        damaged = data[:cut] + data[cut + 1 :]
        strict = enc._decodes(damaged, "gb18030")
        try:
            decoded, name = enc.decode(damaged)
            kind = f"gb18030 strict {'ok' if strict else 'fails'} -> decoded as {name}"
            lost = sum(1 for a, b in zip(decoded, text) if a != b)
            kind += " (text close to original)" if name == "gb18030" else " (wrong encoding)"
            examples.setdefault(kind, decoded[:30])
            _ = lost
        except EncodingError as error:
            kind = f"gb18030 strict {'ok' if strict else 'fails'} -> EncodingError ({error.args[0] if error.args else error})"
        outcomes[kind] = outcomes.get(kind, 0) + 1
    print("- GB18030 200-character snippet with one byte removed (200 trials):")
    for kind, n in sorted(outcomes.items(), key=lambda kv: -kv[1]):
        print(f"    {n:3d}  {kind}")
    for kind, example in examples.items():
        print(f"    e.g. {kind}: {example!r}")
    replaced = damaged.decode("gb18030", errors="replace")
    print(f"    errors='replace' on the last one: {replaced.count(chr(0xFFFD))} U+FFFD in {len(replaced)} characters")


def main() -> None:
    print(f"chardet {chardet.__version__}, charset-normalizer {charset_normalizer.__version__}, "
          f"Python {sys.version.split()[0]}")
    accuracy_tables()
    timing_by_length()
    checks()


if __name__ == "__main__":
    main()
