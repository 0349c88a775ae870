"""Build `src/cleaner/data/mojibake/chars.tsv`: how common each Han character is, and its readings.

The `mojibake` step needs two facts about a character, with no network at run time:

- how common it is in running Chinese text (to judge whether a repair reads as Chinese), and
- its Mandarin readings (to recognise `發(fā)` as a reading inserted after a character).

Both are derived here from packages on the registry, at build time:

- frequency: jieba's `dict.txt` (MIT licence). Each entry is a word and its count in jieba's
  corpus; a character's count is the sum of the counts of the words it occurs in (see
  `jieba_counts` for how its noisy single-character entries are tamed). Traditional
  characters get the count of their Simplified form (OpenCC `t2s`, one character at a time) when
  that is higher, so Traditional text reads as just as plausible as Simplified.
- readings: pypinyin's `pinyin_dict` (MIT licence), readings with tone marks.
- pairs (`pairs.tsv`): pairs of adjacent characters inside jieba's words, to tell a repaired
  stretch of real text from characters that only happen to be common.

The characters listed are those of GBK and Big5 (the code pages mojibake comes from) plus every
character jieba counts. Usage (from the repository root, with jieba, pypinyin and opencc
installed):

    python tools/build_mojibake_data.py [--source jieba|wordfreq] [--out PATH]

`--source wordfreq` builds the same table from wordfreq's Chinese data instead (data licence
CC BY-SA 4.0, so it is only used for the comparison in docs/mojibake.md, never shipped).
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "cleaner" / "data" / "mojibake" / "chars.tsv"
PAIRS_OUT = ROOT / "src" / "cleaner" / "data" / "mojibake" / "pairs.tsv"
# A pair of characters is kept when the words it occurs in add up to at least this count.
PAIR_MIN_COUNT = 10


def is_han(ch: str) -> bool:
    o = ord(ch)
    return 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF


def code_page_chars() -> set[str]:
    """Every Han character GBK or Big5 can encode in two bytes."""
    chars: set[str] = set()
    for codec, leads, trails in (
        ("gbk", range(0x81, 0xFF), [*range(0x40, 0x7F), *range(0x80, 0xFF)]),
        ("big5", range(0x81, 0xFF), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
    ):
        for lead in leads:
            for trail in trails:
                try:
                    ch = bytes((lead, trail)).decode(codec)
                except UnicodeDecodeError:
                    continue
                if is_han(ch):
                    chars.add(ch)
    return chars


def jieba_counts() -> Counter[str]:
    """Character counts from jieba's word list.

    jieba's single-character entries are noisy: some are mojibake from its source corpus
    (`涓` 12958, `锛` 12605, `紝` 11651 are pieces of UTF-8 read as GBK), exactly the characters
    this table must call rare. So a character is counted from the words of two or more
    characters it occurs in, and its own single-character entry adds at most ten times that.
    """
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) >= 2:
            entries.append((parts[0], int(parts[1])))
    counts: Counter[str] = Counter()
    for word, count in entries:
        if len(word) > 1:
            for ch in word:
                if is_han(ch):
                    counts[ch] += count
    from_words = Counter(counts)
    for word, count in entries:
        if len(word) == 1 and is_han(word):
            counts[word] += min(count, 10 * from_words.get(word, 0))
    return counts


def wordfreq_counts() -> Counter[str]:
    from wordfreq import get_frequency_dict

    counts: Counter[str] = Counter()
    for word, freq in get_frequency_dict("zh", wordlist="large").items():
        for ch in word:
            if is_han(ch):
                counts[ch] += int(freq * 1e9)
    return counts


def zipf_table(counts: Counter[str], repertoire: set[str]) -> dict[str, float]:
    """Zipf value of each character: log10 of its frequency per billion characters."""
    import opencc

    to_simplified = opencc.OpenCC("t2s")
    total = sum(counts.values())

    def zipf(count: int) -> float:
        return round(math.log10(count / total * 1e9), 1) if count else 0.0

    table: dict[str, float] = {}
    for ch in sorted(repertoire | set(counts)):
        own = counts.get(ch, 0)
        simplified = to_simplified.convert(ch)
        other = counts.get(simplified, 0) if len(simplified) == 1 and simplified != ch else 0
        table[ch] = zipf(max(own, other))
    return table


def jieba_pairs() -> dict[str, str]:
    """Pairs of adjacent characters inside jieba's words (Simplified), grouped by first character.

    The step checks a repaired stretch against these: running Chinese text is made of words, and
    the characters a wrong decoding produces rarely form one with their neighbours.
    """
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    counts: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) < 2:
            continue
        word, count = parts[0], int(parts[1])
        for a, b in zip(word, word[1:]):
            if is_han(a) and is_han(b):
                counts[a + b] += count
    grouped: dict[str, list[str]] = {}
    for pair, count in counts.items():
        if count >= PAIR_MIN_COUNT:
            grouped.setdefault(pair[0], []).append(pair[1])
    return {first: "".join(sorted(seconds)) for first, seconds in sorted(grouped.items())}


def readings() -> dict[str, str]:
    from pypinyin.pinyin_dict import pinyin_dict

    return {chr(code): value for code, value in pinyin_dict.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", choices=("jieba", "wordfreq"), default="jieba")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    counts = jieba_counts() if args.source == "jieba" else wordfreq_counts()
    repertoire = code_page_chars()
    table = zipf_table(counts, repertoire)
    pinyin = readings()
    lines = [
        "# char\tzipf\treadings  (generated by tools/build_mojibake_data.py; see README.md)",
    ]
    for ch, zipf in table.items():
        reading = pinyin.get(ch, "")
        if zipf == 0.0 and not reading:
            continue
        lines.append(f"{ch}\t{zipf:.1f}\t{reading}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines) - 1} characters to {args.out}")
    if args.source == "jieba" and args.out == OUT:
        pairs = jieba_pairs()
        header = f"# first\tsecond characters  (pairs inside jieba words, count >= {PAIR_MIN_COUNT}; see README.md)"
        body = [f"{first}\t{seconds}" for first, seconds in pairs.items()]
        PAIRS_OUT.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
        print(f"wrote {sum(len(v) for v in pairs.values())} pairs to {PAIRS_OUT}")


if __name__ == "__main__":
    main()
