"""Finding statements in a page's text, and names in its markup, each at the element that says it.

:class:`PageText` holds the page's short text blocks (a row, a label, a
paragraph): :meth:`PageText.find` returns evidence for the innermost blocks
that satisfy a predicate, so a finding points at the row that says it, not
at the table or the page. :class:`Haystack` joins the attribute words of many
elements into one string, so a pattern is searched once rather than once
per element.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable

from lxml import etree

from opsctl.checkout import patterns as p
from opsctl.checkout.dom import Document, squeeze
from opsctl.checkout.facts import Evidence

#: Longest text block in which a cost, total or promise is looked for.
MAX_BLOCK = 300
_NOT_BLOCKS = frozenset({"html", "body", "head", "script", "style", "option", "select", "form"})


class PageText:
    """The visible text of a page, as short blocks and as one string."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.blocks = text_blocks(doc)
        body = doc.root.find("body")
        self.page = squeeze(doc.raw_text(body if body is not None else doc.root))

    def find(
        self,
        predicate: Callable[[str], object],
        limit: int = 3,
        within: set[etree._Element] | None = None,
    ) -> list[Evidence]:
        """Evidence for the innermost text blocks where ``predicate`` holds (``within``: among)."""
        matches = [
            (element, text)
            for element, text in self.blocks
            if (within is None or element in within) and predicate(text)
        ]
        return [self.doc.evidence(element) for element, _ in innermost(matches)[:limit]]

    def mentions(self, pattern: re.Pattern[str]) -> list[Evidence]:
        """Evidence for ``pattern`` in the page's text (searched in the whole page first)."""
        if not pattern.search(self.page):
            return []
        return self.find(pattern.search)


def near(label: re.Pattern[str], amount: re.Pattern[str], text: str) -> bool:
    """Whether ``label`` is followed by ``amount`` within :data:`patterns.NEAR` characters."""
    return any(
        amount.search(text, found.end(), found.end() + p.NEAR) for found in label.finditer(text)
    )


class Haystack:
    """Words of many elements in one string, so a pattern is searched once, not per element."""

    def __init__(self, pairs: Iterable[tuple[etree._Element, str]]):
        self.elements: list[etree._Element] = []
        self.words: list[str] = []
        self.starts: list[int] = []
        offset = 0
        for element, words in pairs:
            if not words:
                continue
            self.elements.append(element)
            self.words.append(words)
            self.starts.append(offset)
            offset += len(words) + 1
        self.text = "\n".join(self.words)

    def _at(self, position: int) -> int:
        return bisect.bisect_right(self.starts, position) - 1

    def search(self, pattern: re.Pattern[str]) -> tuple[etree._Element | None, str]:
        """The first element whose words match ``pattern``, and those words."""
        found = pattern.search(self.text)
        if not found:
            return None, ""
        index = self._at(found.start())
        return self.elements[index], self.words[index]

    def search_all(self, pattern: re.Pattern[str]) -> list[tuple[etree._Element, str]]:
        indexes = dict.fromkeys(self._at(m.start()) for m in pattern.finditer(self.text))
        return [(self.elements[i], self.words[i]) for i in indexes]


def text_blocks(doc: Document) -> list[tuple[etree._Element, str]]:
    """Visible elements with short text (a row, a label, a paragraph), and that text."""
    blocks: list[tuple[etree._Element, str]] = []
    for element in doc.elements:
        if element.tag in _NOT_BLOCKS:
            continue
        raw = doc.raw_text(element)
        if not raw or len(raw) > MAX_BLOCK * 3 or doc.is_hidden(element):
            continue
        text = squeeze(raw)
        if text and len(text) <= MAX_BLOCK:
            blocks.append((element, text))
    return blocks


def innermost(matches: list[tuple[etree._Element, str]]) -> list[tuple[etree._Element, str]]:
    """The matches that contain no other match: the element that says it, not its containers."""
    matched = {element for element, _ in matches}
    outer: set[etree._Element] = set()
    for element, _ in matches:
        for ancestor in element.iterancestors():
            if ancestor in matched:
                outer.add(ancestor)
    return [(element, text) for element, text in matches if element not in outer]
