"""Generated websites for the template tests and benchmark: articles wrapped in a site's template.

Every word here is generated (characters drawn from `strategies.COMMON_HAN`, our own list) or
written for these tests. A site has a name, a header, a navigation bar and a footer; each page
wraps one article in them with per-page variants: the date and time, a view counter, a page
number, spacing, and now and then the footer in Traditional script. The article is a title,
paragraphs of long sentences, a few short lines (subheadings, one-line remarks) and, in some
articles, a slogan line that two articles of the site quote.
"""

from __future__ import annotations

import dataclasses
import random

from cleaner.opencc_backend import convert

try:
    from tests.strategies import COMMON_HAN
except ImportError:  # run from inside tests/
    from strategies import COMMON_HAN  # type: ignore[no-redef]

SECTIONS = ("新闻", "科技", "财经", "体育", "文化", "教育", "汽车", "房产", "旅游", "健康", "观点", "专题")


def han(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(COMMON_HAN) for _ in range(rng.randint(low, high)))


def sentence(rng: random.Random) -> str:
    """A long article sentence: clauses of generated characters, more than 40 Han, ending in 。"""
    clauses = [han(rng, 8, 16) for _ in range(rng.randint(3, 5))]
    return "，".join(clauses) + rng.choice("。。。！？")


@dataclasses.dataclass
class Page:
    text: str
    template_lines: list[str]  # the lines of the site's template on this page
    article_lines: list[str]  # the article's own lines, which must all stay


@dataclasses.dataclass
class Site:
    name: str
    domain: str
    sections: tuple[str, ...]
    slogan_line: str
    seed: int

    @classmethod
    def make(cls, number: int, seed: int = 0) -> Site:
        rng = random.Random(f"site-{seed}-{number}")
        name = han(rng, 2, 3) + rng.choice(("网", "在线", "日报", "资讯"))
        sections = tuple(rng.sample(SECTIONS, 5))
        return cls(name, f"site{number}.example.com", sections, han(rng, 6, 10), number)

    def header(self, rng: random.Random, index: int) -> list[str]:
        gap = rng.choice((" | ", " |  ", "\u3000|\u3000", "|"))
        when = f"{rng.randint(2019, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
        return [
            f"{self.name}首页{gap}{gap.join(self.sections)}",
            f"当前位置：首页 > {self.sections[index % len(self.sections)]} > 正文",
            f"发布时间：{when}  浏览次数：{rng.randint(10, 99999)}",
        ]

    def footer(self, rng: random.Random, index: int) -> list[str]:
        lines = [
            f"上一篇 下一篇 第{rng.randint(1, 40)}页",
            f"关于{self.name} | 联系我们 | 投稿须知 | 网站地图",
            f"Copyright © {rng.randint(2015, 2025)} {self.domain} All Rights Reserved",
            f"{self.name}编辑部 主办",
        ]
        if index % 5 == 3:  # the same footer, served in Traditional script
            lines = [convert(line, "s2t") for line in lines]
        return lines

    def page(self, index: int, *, slogan: bool = False, front_matter: bool = False) -> Page:
        rng = random.Random(f"page-{self.seed}-{self.name}-{index}")
        title = han(rng, 8, 14)
        article = [f"# {title}", ""]
        for paragraph in range(rng.randint(3, 6)):
            article.append(sentence(rng) + sentence(rng))
            article.append("")
            if paragraph == 1:
                article += [f"## {han(rng, 4, 8)}", ""]  # a subheading: short, unique
            if paragraph == 2:
                article += [han(rng, 5, 12) + "。", ""]  # a one-line remark: short, unique
            if paragraph == 0 and slogan:
                article += [self.slogan_line, ""]
        header = self.header(rng, index)
        footer = self.footer(rng, index)
        lines = [*header, "", *article, *footer]
        head = f"---\ntitle: {title}\nsource: https://{self.domain}/a/{index}.html\n---\n" if front_matter else ""
        text = head + "\n".join(lines) + "\n"
        kept = [line for line in article if line.strip()]
        return Page(text, header + footer, kept)


def corpus(sites: int, articles: int, *, seed: int = 0, front_matter: bool = False) -> list[tuple[Site, int, Page]]:
    """`sites` × `articles` pages; in each site, articles 0 and 1 quote the site's slogan."""
    found = []
    for number in range(sites):
        site = Site.make(number, seed)
        for index in range(articles):
            found.append((site, index, site.page(index, slogan=index in (0, 1), front_matter=front_matter)))
    return found
