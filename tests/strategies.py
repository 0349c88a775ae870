"""Shared hypothesis strategies: text that looks like what `cleaner` meets.

Chinese sentences are drawn from a realistic character mix (the commonest characters much more
often than rare ones), with Latin words, numbers, URLs and Markdown mixed in.
"""

from __future__ import annotations

from hypothesis import strategies as st

# The commonest Han characters of running text, most frequent first (our own list, written
# from general knowledge of Chinese frequency, not copied from a corpus).
COMMON_HAN = (
    "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学"
    "对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面"
    "公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部"
    "正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关"
    "并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安"
    "表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共"
    "风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管"
    "夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品"
    "士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研"
    "像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济"
)
TRADITIONAL_HAN = "這們來說時會國發對個過學後頭見經動長現樣話進與總實當還麼開問點種體電門給關東將軍產"
LATIN_WORDS = ("AI", "Meta", "Llama", "GPT-4", "OpenAI", "GitHub", "model", "Scaling", "Law", "iPhone", "data")
MARKS = "，。：；？！、"

han_char = st.sampled_from(COMMON_HAN[:200]) | st.sampled_from(COMMON_HAN) | st.sampled_from(TRADITIONAL_HAN)
han_run = st.text(han_char, min_size=1, max_size=12)
latin_word = st.sampled_from(LATIN_WORDS) | st.from_regex(r"[A-Za-z]{2,8}", fullmatch=True)
number = st.integers(0, 100000).map(str) | st.sampled_from(["1,000", "2.5", "10:30", "3:1", "2024"])
url = st.sampled_from(["https://example.com/a,b?x=1", "www.thepaper.cn", "http://a.org/路径"])


@st.composite
def chinese_sentence(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 9))
        if kind <= 5:
            parts.append(draw(han_run))
        elif kind == 6:
            parts.append(draw(latin_word))
        elif kind == 7:
            parts.append(draw(number))
        elif kind == 8:
            parts.append(draw(st.sampled_from(MARKS)))
        else:
            parts.append(draw(st.sampled_from(["", " "])) + draw(latin_word) + " ")
    return "".join(parts) + draw(st.sampled_from("。！？"))


@st.composite
def article(draw: st.DrawFn) -> str:
    """Several paragraphs of generated Chinese, one per line, sometimes with Markdown."""
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append("## " + draw(han_run))
        elif kind == 1:
            lines.append("- " + draw(chinese_sentence()))
        elif kind == 2:
            lines.append("```\ncode, here: 1 ,2\n```")
        else:
            lines.append("".join(draw(st.lists(chinese_sentence(), min_size=1, max_size=4))))
    sep = draw(st.sampled_from(["\n", "\n\n", "\r\n"]))
    return sep.join(lines)


any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
