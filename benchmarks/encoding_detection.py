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
import difflib
import random
import sys
import time
import warnings
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
# chardet 7 warns that its fallback (cp1252) is outside include_encodings; None is what we want then.
warnings.filterwarnings("ignore", message="no_match_encoding", category=UserWarning)

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
    """What every variant shares with decode(): a BOM decides, then the UTF-8 fast path."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return name
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "utf-8"


def _decodable(data: bytes, utf16: bool) -> list[str]:
    names = ["gb18030", "big5"] if b"\x00" not in data else []
    if utf16 and len(data) % 2 == 0:
        names += ["utf_16_le", "utf_16_be"]
    return [name for name in names if enc._decodes(data, name)]


def committed(data: bytes) -> str | None:
    """detect() as first committed (c3e1f4a): trial decode among GB18030/Big5, then
    charset-normalizer restricted to them, then the share of Han that is common (either script)."""
    if (name := _front(data)) is not None:
        return name
    if b"\x00" in data:
        return None  # decode() refuses NUL bytes before detecting
    candidates = _decodable(data, utf16=False)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    best = charset_normalizer.from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16"]).best()
    if best is not None:
        family = codecs.lookup(best.encoding).name
        if family in BIG5_FAMILY:
            return "big5"
        if family in GB_FAMILY:
            return "gb18030"

    def han_share(name: str) -> float:
        han = [c for c in data.decode(name) if "\u4e00" <= c <= "\u9fff"]
        return sum(1 for c in han if c in UNION_LEVEL1) / len(han) if han else 0.0

    return max(candidates, key=han_share)


def _level_sets() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    # GB2312 level 1 (rows 16-55, 3755 characters) and the Big5 "frequently used" block
    # (A440-C67E, 5401 characters), read from the code tables; the Traditional forms of GB2312
    # level 1 by OpenCC s2t.
    gb1 = bytes(b for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF) for b in (hi, lo)).decode(
        "gb2312", errors="ignore"
    )
    big5_1 = bytes(
        b for hi in range(0xA4, 0xC7) for lo in [*range(0x40, 0x7F), *range(0xA1, 0xFF)] for b in (hi, lo)
    ).decode("big5", errors="ignore")
    return frozenset(gb1), frozenset(big5_1), frozenset(opencc.OpenCC("s2t.json").convert(gb1))


GB_LEVEL1, BIG5_LEVEL1, GB_LEVEL1_T = _level_sets()
UNION_LEVEL1 = GB_LEVEL1 | BIG5_LEVEL1
PUNCT = frozenset("，。、：；？！“”‘’（）《》【】…—·「」『』〈〉﹏～")
COMMON = GB_LEVEL1 | GB_LEVEL1_T | PUNCT  # the set of the working-tree detect()


def _share(text: str, common: frozenset[str]) -> float:
    wide = [c for c in text if c > "\x7f" and not c.isspace()]
    return sum(1 for c in wide if c in common) / len(wide) if wide else 0.0


def score_only(data: bytes) -> str | None:
    """Trial decode (GB18030, Big5, BOM-less UTF-16), then the common-character share alone:
    the share of non-ASCII characters in GB2312 level 1, its Traditional forms or CJK punctuation.
    Ties go to the first candidate (GB18030)."""
    if (name := _front(data)) is not None:
        return name
    candidates = _decodable(data, utf16=True)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    return max(candidates, key=lambda n: _share(data.decode(n), COMMON))


def chardet_restricted(data: bytes) -> str | None:
    """Trial decode, then chardet limited to the candidates that decode."""
    if (name := _front(data)) is not None:
        return name
    candidates = _decodable(data, utf16=True)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    chardet_names = {"gb18030": "gb18030", "big5": "big5hkscs", "utf_16_le": "utf-16-le", "utf_16_be": "utf-16-be"}
    guess = chardet.detect(data, include_encodings=[chardet_names[n] for n in candidates])["encoding"]
    if guess:
        family = codecs.lookup(guess).name
        for name in candidates:
            if family == codecs.lookup(name).name or (family in BIG5_FAMILY and name == "big5"):
                return name
    return max(candidates, key=lambda n: _share(data.decode(n), COMMON))


def script_score(data: bytes) -> str | None:
    """Trial decode, then a script-aware share: each candidate judged by its own common set.

    GB18030 (and UTF-16) text is counted against GB2312 level 1 and its Traditional forms, Big5
    text against the Big5 level-1 block; CJK punctuation counts for all. Ties go to GB18030.
    """
    if (name := _front(data)) is not None:
        return name
    candidates = _decodable(data, utf16=True)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None

    def score(name: str) -> float:
        common = BIG5_LEVEL1 | PUNCT if name == "big5" else COMMON
        return _share(data.decode(name), common)

    return max(candidates, key=score)


# --- the recommendation: the common share decides, a detector only breaks near-ties ------------

MARGIN = 0.15  # below this difference in share the score cannot tell; the detector decides
MIN_SHARE = 0.5  # a decoding where fewer than half the wide characters are common is not Chinese text
SCORE_BYTES = 4096  # the score reads this much; the strict trial decode still reads everything


def _front_no_nul(data: bytes) -> str | None:
    """The BOM, then the UTF-8 fast path, which real UTF-8 text with a NUL never needs: BOM-less
    UTF-16 of ASCII and CJK is often valid UTF-8 (`好` is 7D 59), NULs included."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return name
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "utf-8"


def _tie_break_cn(data: bytes, names: list[str]) -> str | None:
    best = charset_normalizer.from_bytes(data, cp_isolation=names).best()
    return best.encoding if best is not None else None


def _tie_break_chardet(data: bytes, names: list[str]) -> str | None:
    chardet_names = {"gb18030": "gb18030", "big5": "big5hkscs", "utf_16_le": "utf-16-le", "utf_16_be": "utf-16-be"}
    return chardet.detect(data, include_encodings=[chardet_names[n] for n in names])["encoding"]


def recommended(data: bytes, tie_break: Callable[[bytes, list[str]], str | None] = _tie_break_cn) -> str | None:
    if (name := _front_no_nul(data)) is not None:
        return name
    candidates = _decodable(data, utf16=True)
    if not candidates:
        return None
    head = data[:SCORE_BYTES]
    scores = sorted(((_share(head.decode(n, errors="ignore"), COMMON), n) for n in candidates), key=lambda s: -s[0])
    choice = scores[0][1]
    if len(scores) > 1 and scores[0][0] - scores[1][0] < MARGIN:
        close = [n for s, n in scores if scores[0][0] - s < MARGIN]
        guess = tie_break(data, close)
        if guess is not None:
            family = codecs.lookup(guess).name
            for name in close:
                canonical = codecs.lookup(name).name
                if family == canonical or (family in BIG5_FAMILY and canonical in BIG5_FAMILY) or (
                    family in GB_FAMILY and canonical in GB_FAMILY
                ):
                    choice = name
                    break
    text = head.decode(choice, errors="ignore")
    if _share(text, COMMON) < MIN_SHARE and any(c > "\x7f" for c in text):
        return None
    return choice


def lenient(data: bytes) -> tuple[str, int] | None:
    """Where no candidate decodes strictly (a byte lost or changed): the candidate with the fewest
    undecodable sequences, each made U+FFFD, if the rest still reads as Chinese. Returns the name
    and the number of replacements, for a warning."""
    results = []
    for name in ("gb18030", "big5"):
        text = data.decode(name, errors="replace")
        results.append((text.count("\ufffd"), -_share(text[:SCORE_BYTES], COMMON), name))
    bad, minus_share, name = min(results)
    return (name, bad) if -minus_share >= MIN_SHARE else None


def recommended_chardet(data: bytes) -> str | None:
    return recommended(data, _tie_break_chardet)


def recommended_no_detector(data: bytes) -> str | None:
    return recommended(data, lambda data, names: None)


METHODS: list[tuple[str, Callable[[bytes], object]]] = [
    ("1 charset-normalizer", charset_normalizer_open),
    ("2 chardet", chardet_open),
    ("3 committed detect() (c3e1f4a)", committed),
    ("3' decode() in the tree today", current),
    ("4a trial+common share alone", score_only),
    ("4b trial+chardet restricted", chardet_restricted),
    ("4c trial+script score", script_score),
    ("5a recommended (CN breaks ties)", recommended),
    ("5b recommended (chardet breaks ties)", recommended_chardet),
    ("5c recommended, no detector (tie: GB18030)", recommended_no_detector),
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
    for size in (8, 64, 1024):
        none = sum(
            recommended(bytes(b for b in rng.randbytes(size * 2) if b)[:size]) is None for _ in range(trials)
        )
        print(f"- random bytes without NUL, {size} B, 5a recommended detect: no encoding (refused) {none}/{trials}")
    latin = "Café, naïve résumé".encode("cp1252")
    print(f"- cp1252 Latin text {latin!r}: decode() -> ", end="")
    try:
        print(enc.decode(latin)[1])
    except EncodingError as error:
        print(f"EncodingError: {error}")
    print(f"    5a recommended detect -> {recommended(latin)}")

    # A byte lost in transit (a truncated download, a bad copy): GB18030 text one byte short.
    lines = corpus()["simplified"]
    outcomes: dict[str, int] = {}
    examples: dict[str, str] = {}
    recovered = []
    for text in snippets(lines, 200, 200, 200, rng):
        data = text.encode("gb18030")
        cut = rng.choice([i for i, b in enumerate(data) if b > 0x7F])
        damaged = data[:cut] + data[cut + 1 :]
        strict = enc._decodes(damaged, "gb18030")
        try:
            decoded, name = enc.decode(damaged)
            kind = f"gb18030 strict {'ok' if strict else 'fails'} -> decoded as {name}"
            examples.setdefault(kind, decoded[:30])
        except EncodingError as error:
            kind = f"gb18030 strict {'ok' if strict else 'fails'} -> EncodingError ({error.message if hasattr(error, 'message') else error})"
        outcomes[kind] = outcomes.get(kind, 0) + 1
        if not strict and (found := lenient(damaged)) is not None:
            name, bad = found
            fixed = damaged.decode(name, errors="replace")
            same = difflib.SequenceMatcher(None, fixed, text, autojunk=False).ratio()
            recovered.append((name, bad, same))
    print("- GB18030 200-character snippet with one byte removed (200 trials), decode() today:")
    for kind, n in sorted(outcomes.items(), key=lambda kv: -kv[1]):
        print(f"    {n:3d}  {kind}")
    for kind, example in examples.items():
        print(f"    e.g. {kind}: {example!r}")
    if recovered:
        as_gb = sum(1 for name, _, _ in recovered if name == "gb18030")
        mean_bad = sum(bad for _, bad, _ in recovered) / len(recovered)
        mean_same = sum(same for _, _, same in recovered) / len(recovered)
        print(
            f"    lenient fallback on the {len(recovered)} strict failures: gb18030 chosen {as_gb}, "
            f"{mean_bad:.1f} U+FFFD on average, text {100 * mean_same:.1f}% equal to the original (difflib ratio)"
        )


def main() -> None:
    print(f"chardet {chardet.__version__}, charset-normalizer {charset_normalizer.__version__}, "
          f"Python {sys.version.split()[0]}")
    accuracy_tables()
    timing_by_length()
    checks()


if __name__ == "__main__":
    main()
