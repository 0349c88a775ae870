"""From bytes to text: the one decoding every input goes through, before any step runs.

`Document.parse` calls `decode_with_damage`: a BOM decides at once; valid UTF-8 is taken as UTF-8
without detection; otherwise the detector chooses among the encodings Chinese text arrives in
(see docs/encoding-detection.md for the measurement behind it). Input that is not text (an
image, an archive, binary data) is refused with `EncodingError`. The `encoding` step, which
normalises the decoded text, is a step like any other; this module is the core's.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

from .errors import EncodingError

# Encodings the detector may choose for non-UTF-8 input. GB18030 is a superset of GBK and GB2312;
# decoding with it never loses a character the narrower ones would have given.
_MARGIN = 0.15  # shares closer than this: the score cannot tell, charset-normalizer decides
_MIN_SHARE = 0.5  # below this the best decoding does not read as Chinese: refuse it
_SCORE_BYTES = 4096  # the score reads this much; the strict trial decode still reads it all
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}  # as codecs.lookup() names them
_BIG5_FAMILY = {"big5", "big5hkscs", "cp950"}

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\x7fELF", "an executable"),
    (b"RIFF", "a RIFF media file"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, *, path: str = "<stdin>") -> tuple[str, str]:
    """Decode bytes to text, returning (text, encoding name). Raises EncodingError for non-text.

    >>> decode("中文".encode("gb18030"))
    ('中文', 'gb18030')
    """
    text, name, _ = decode_with_damage(data, path=path)
    return text, name


def decode_with_damage(
    data: bytes, *, path: str = "<stdin>", encoding: str | None = None
) -> tuple[str, str, list[tuple[int, str]]]:
    """Like `decode`, and also the damage found: (line, message) for bytes no decoding reads.

    GB18030 or Big5 text with a byte lost in transit does not decode strictly. Refusing the
    file would lose the whole article for one byte, so the bytes that do not decode become
    U+FFFD, the rest is kept, and each damaged line is reported.

    `encoding` names the encoding and skips detection (`--encoding gbk`): the bytes must then
    decode strictly with it.
    """
    if encoding is not None:
        return _decode_as(data, encoding, path), _canonical(encoding), []
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise EncodingError(f"not text: the input is {what}", path=path)
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(name)
            except UnicodeDecodeError as error:
                raise EncodingError(
                    f"not valid {name.upper().replace('-SIG', '')} text at byte {error.start}", path=path
                ) from None
            return _refuse_binary(text.lstrip("\ufeff"), path), name.replace("-sig", ""), []
    # Real UTF-8 text holds no NUL; BOM-less UTF-16 of ASCII and Han is often valid UTF-8.
    if b"\x00" not in data:
        try:
            return _refuse_binary(data.decode("utf-8"), path), "utf-8", []
        except UnicodeDecodeError as error:
            cut = error.reason == "unexpected end of data"  # `head -c` cut the last character
        damaged_utf8 = _decode_damaged_utf8(data, cut)
    else:
        damaged_utf8 = None
    detected = None if damaged_utf8 is not None else detect(data)
    if detected is not None:
        return _refuse_binary(data.decode(detected), path), detected, []
    damaged = (damaged_utf8, "utf-8") if damaged_utf8 is not None else _decode_damaged(data)
    if damaged is not None:
        text, name = damaged
        lines = sorted({text.count("\n", 0, i) + 1 for i, c in enumerate(text) if c == "\ufffd"})
        count = text.count("\ufffd")
        damage = [(line, f"{name}: bytes that decode to nothing were replaced with U+FFFD") for line in lines]
        return _refuse_binary(text, path), name, damage if count else []
    if b"\x00" in data:
        raise EncodingError("not text: the input holds NUL bytes (binary data?)", path=path)
    raise EncodingError("not text in a supported encoding (UTF-8, UTF-16, GB18030/GBK, Big5)", path=path)


def _canonical(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return "utf-8" if name == "utf-8-sig" else name


def check_encoding_name(encoding: str) -> str:
    """The codec's own name for `encoding`, or a UsageError naming what is accepted."""
    from .errors import UsageError

    try:
        return _canonical(encoding)
    except LookupError:
        raise UsageError(
            f"encoding {encoding!r} is not one Python knows (try utf-8, gb18030, gbk, big5, utf-16)"
        ) from None


def _decode_as(data: bytes, encoding: str, path: str) -> str:
    name = check_encoding_name(encoding)
    try:
        text = data.decode(name)
    except UnicodeDecodeError as error:
        raise EncodingError(f"not valid {name} text at byte {error.start} (given as the encoding)", path=path) from None
    return _refuse_binary(text.removeprefix("\ufeff"), path)  # a BOM is not text


def reencoding(raw: bytes, encoding: str) -> str | None:
    """How the bytes differ from UTF-8 without a BOM (`GB18030`, `UTF-8 with a BOM`), or None.

    Output is always UTF-8 without a BOM, so such an input changes even when its text does not:
    the `encoding/utf8` change record says so, and `--check` fails exactly when `--in-place`
    would rewrite the file.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return "UTF-8 with a BOM"
    if codecs.lookup(encoding).name == "utf-8":
        return None
    return encoding.upper().replace("_", "-")


# Detection on fewer bytes than this has little to go on; a close second reading is then reported.
_SHORT_BYTES = 256


def ambiguity(data: bytes, encoding: str) -> str | None:
    """For a short input, the warning that another encoding reads it about as well (or better).

    `"谢谢".encode("gbk")` is also valid UTF-8 (`лл`), and `"好的".encode("gbk")` is also
    valid Big5 (`疑腔`): a title has too few bytes to tell. Long inputs are not checked.
    """
    if len(data) > _SHORT_BYTES or not any(b > 0x7F for b in data) or b"\x00" in data:
        return None
    if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
        return None  # a BOM is a statement, not a guess
    chosen = data.decode("utf-8-sig" if encoding == "utf-8" else encoding, errors="ignore")
    chosen_share = _common_share(chosen)
    for other in ("gb18030", "big5"):
        if codecs.lookup(other).name == codecs.lookup(encoding).name or not _decodes(data, other):
            continue
        reading = data.decode(other)
        share = _common_share(reading)
        if share >= _MIN_SHARE and chosen_share - share < _MARGIN:
            return (
                f"short input read as {encoding} ({_snippet(chosen)}); as {other} it reads "
                f"{_snippet(reading)}: give the encoding (--encoding, or encoding= in the API) to be sure"
            )
    return None


def _snippet(text: str, limit: int = 20) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def detect(data: bytes) -> str | None:
    """Name the encoding of non-UTF-8 bytes (GB18030, Big5 or BOM-less UTF-16), or None.

    Only encodings that decode the whole input strictly are candidates. Short inputs (a title)
    are where detectors fail, so the candidates are compared by how much of their text is
    common Han characters: a wrong decoding gives rare ones (GBK `数据` read as Big5 is `杅擂`).
    Where the shares are too close to tell, charset-normalizer, restricted to those candidates,
    decides. A best decoding that does not read as Chinese is refused (None). The measurement
    behind this is in docs/encoding-detection.md.
    """
    names = [] if b"\x00" in data else ["gb18030", "big5"]
    if len(data) % 2 == 0:
        names += ["utf_16_le", "utf_16_be"]
    decodable = [name for name in names if _decodes(data, name)]
    if not decodable:
        return None
    head = data[:_SCORE_BYTES]
    scores = sorted(((_common_share(head.decode(n, errors="ignore")), n) for n in decodable), reverse=True)
    best_share, choice = scores[0]
    close = [n for share, n in scores if best_share - share < _MARGIN]
    if len(close) > 1:
        from charset_normalizer import from_bytes

        best = from_bytes(data, cp_isolation=close).best()
        if best is not None:
            guess = codecs.lookup(best.encoding).name
            for name in close:
                own = codecs.lookup(name).name
                if guess == own or {guess, own} <= _GB_FAMILY or {guess, own} <= _BIG5_FAMILY:
                    choice = name
                    break
    text = head.decode(choice, errors="ignore")
    if any(c > "\x7f" for c in text) and _common_share(text) < _MIN_SHARE:
        return None
    return choice


def _decode_damaged(data: bytes) -> tuple[str, str] | None:
    """GB18030 or Big5 with a few undecodable bytes: the reading with the least damage, if it
    still reads as Chinese."""
    if b"\x00" in data:
        return None
    best: tuple[int, str, str] | None = None
    for name in ("gb18030", "big5"):
        text = data.decode(name, errors="replace")
        bad = text.count("\ufffd")
        if bad > max(3, len(text) // 50) or _common_share(text[:_SCORE_BYTES].replace("\ufffd", "")) < _MIN_SHARE:
            continue
        if best is None or bad < best[0]:
            best = (bad, text, name)
    return (best[1], best[2]) if best else None


def _decode_damaged_utf8(data: bytes, cut: bool) -> str | None:
    """UTF-8 with a character cut off at the end, or a byte lost: a few undecodable spots among
    many good multi-byte characters (GBK or Big5 read as UTF-8 fails at most of its characters)."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for c in text if c > "\x7f") - text.count("\ufffd")
    if 0 < bad <= 3 and (good >= 10 * bad or (cut and bad == 1)):
        return text
    return None


def _decodes(data: bytes, name: str) -> bool:
    try:
        data.decode(name)
    except UnicodeDecodeError:
        return False
    return True


def _common_share(text: str) -> float:
    """The share of non-ASCII characters that are common Han characters, in either script."""
    wide = [c for c in text if c > "\x7f" and not c.isspace()]
    if not wide:
        return 0.0
    common = _common_chars()
    return sum(1 for c in wide if c in common) / len(wide)


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    # GB2312 level 1: the 3755 commonest characters as its makers chose them, read straight from
    # the code table (rows 16-55), plus their Traditional forms from OpenCC, plus the full-width
    # punctuation of running text.
    level1 = bytes(b for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF) for b in (hi, lo))
    simplified = level1.decode("gb2312", errors="ignore")
    from .opencc_backend import convert

    traditional = convert(simplified, "s2t")
    return frozenset(simplified) | frozenset(traditional) | frozenset("，。、：；？！“”‘’（）《》【】…—·")


_CONTROL_RATIO_LIMIT = 0.01
# C0 controls but tab, the line ends (LF, VT, FF, CR) and ESC: one pattern, not a loop per character.
_CONTROL_CHAR = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _refuse_binary(text: str, path: str) -> str:
    if "\x00" in text:
        raise EncodingError("not text: the input holds NUL characters (binary data?)", path=path)
    if text:
        controls = len(_CONTROL_CHAR.findall(text, 0, 65536))
        if controls / min(len(text), 65536) > _CONTROL_RATIO_LIMIT and controls > 2:
            raise EncodingError(
                f"not text: {controls} control characters in the first 64 KiB (binary data?)", path=path
            )
    return text
