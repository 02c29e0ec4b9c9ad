"""A parsed HTML page: which elements a shopper sees, their text, selectors and lines.

lxml parses the page (libxml2's HTML parser: fast, forgiving, and it keeps
each element's source line). :class:`Document` works out once which
elements are hidden — ``hidden``, ``type="hidden"``, an inline
``display:none`` or ``visibility:hidden``, a hiding utility class, a closed
``<dialog>``, or an ``aria-hidden="true"`` container (for controls) — and
the visible text of every element, so the extractor can ask cheap questions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html
from lxml import etree

from opsctl.checkout.facts import Evidence
from opsctl.errors import DataError

#: Elements whose content is never shown as page text.
NOT_TEXT = frozenset(
    {"script", "style", "template", "noscript", "head", "title", "option", "datalist", "svg"}
)
#: Utility classes that hide an element (Bootstrap, Tailwind, Foundation, WooCommerce...).
HIDING_CLASSES = frozenset({"hidden", "d-none", "is-hidden", "hide", "u-hidden", "display-none"})
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_CSS_IDENT = re.compile(r"^-?[A-Za-z_][A-Za-z0-9_-]*$")
CONTROLS = frozenset({"input", "select", "textarea", "button"})


def squeeze(text: str) -> str:
    """Whitespace collapsed to single spaces, trimmed."""
    return _SPACE.sub(" ", text).strip()


class Document:
    """One page, parsed, with visibility and text worked out for every element."""

    def __init__(self, html: str | bytes, source: str):
        self.source = source
        try:
            self.root = _parse(html)
        except (etree.ParserError, ValueError) as exc:
            raise DataError(f"not an HTML page: {exc}", source=source) from None
        self.elements: list[etree._Element] = []
        self._hidden: set[etree._Element] = set()
        self._aria_hidden: set[etree._Element] = set()
        self._text: dict[etree._Element, str] = {}
        self._by_id: dict[str, etree._Element] = {}
        self._labels: dict[str, etree._Element] = {}
        self._walk()

    # -- building -------------------------------------------------------------------

    def _walk(self) -> None:
        hidden, aria_hidden = self._hidden, self._aria_hidden
        for element in self.root.iter():
            if not isinstance(element.tag, str):
                continue  # comments and processing instructions
            self.elements.append(element)
            parent = element.getparent()
            if (parent is not None and parent in hidden) or _hides(element):
                hidden.add(element)
            if (parent is not None and parent in aria_hidden) or element.get(
                "aria-hidden", ""
            ).lower() == "true":
                aria_hidden.add(element)
            element_id = element.get("id")
            if element_id:
                self._by_id.setdefault(element_id, element)
            if element.tag == "label" and element.get("for"):
                self._labels.setdefault(element.get("for"), element)
        texts = self._text
        for element in reversed(self.elements):
            if element in hidden or element.tag in NOT_TEXT:
                texts[element] = ""
                continue
            parts = [element.text or ""]
            for child in element:
                parts.append(texts.get(child, ""))
                parts.append(child.tail or "")
            texts[element] = " ".join(part for part in parts if part)

    # -- questions ----------------------------------------------------------------------

    def is_hidden(self, element: etree._Element) -> bool:
        """Whether the element is not shown (or, for a control, hidden from everyone)."""
        if element in self._hidden:
            return True
        return element.tag in CONTROLS and element in self._aria_hidden

    def shown_as_widget(self, control: etree._Element) -> bool:
        """A control hidden from assistive tech but shown through a custom widget.

        select2 and similar libraries hide the native ``<select>`` with
        ``aria-hidden`` and render a ``role="combobox"`` widget right after it:
        the shopper still fills in that field.
        """
        if control in self._hidden or control not in self._aria_hidden:
            return False
        widget = control.getnext()
        while widget is not None and not isinstance(widget.tag, str):
            widget = widget.getnext()
        if widget is None or widget in self._hidden:
            return False
        return any(e.get("role") == "combobox" for e in widget.iter() if isinstance(e.tag, str))

    def text(self, element: etree._Element) -> str:
        """The element's visible text, whitespace collapsed."""
        return squeeze(self._text.get(element, ""))

    def raw_text(self, element: etree._Element) -> str:
        """The element's visible text as joined (cheaper; whitespace not collapsed)."""
        return self._text.get(element, "")

    def visible(self, *tags: str) -> Iterator[etree._Element]:
        """Visible elements, in document order, of the given tags (all tags if none)."""
        wanted = frozenset(tags)
        for element in self.elements:
            if (not wanted or element.tag in wanted) and not self.is_hidden(element):
                yield element

    def by_id(self, element_id: str) -> etree._Element | None:
        return self._by_id.get(element_id)

    def title(self) -> str:
        """The page's ``<title>``, else its first heading."""
        for element in self.elements:
            if element.tag == "title" and element.text:
                return squeeze(element.text)
        for element in self.visible("h1"):
            return self.text(element)
        return ""

    def label_of(self, control: etree._Element) -> str:
        """What labels a control: its ``<label>``, ARIA label, placeholder or title."""
        control_id = control.get("id")
        if control_id and control_id in self._labels:
            return self.text(self._labels[control_id])
        for ancestor in control.iterancestors("label"):
            return self.text(ancestor)
        labelled_by = control.get("aria-labelledby")
        if labelled_by:
            found = [self.by_id(i) for i in labelled_by.split()]
            return " ".join(self.text(e) for e in found if e is not None)
        for attribute in ("aria-label", "placeholder", "title"):
            if control.get(attribute):
                return squeeze(control.get(attribute))
        return ""

    def line(self, element: etree._Element) -> int | None:
        return element.sourceline

    def selector(self, element: etree._Element) -> str:
        """A CSS selector that finds the element (anchored on the nearest id).

        Ancestors are joined with the descendant combinator, so the selector
        also matches in a browser's DOM, where tables gain a ``<tbody>``.
        """
        parts: list[str] = []
        node: etree._Element | None = element
        while node is not None and isinstance(node.tag, str) and len(parts) < 5:
            node_id = node.get("id")
            if node_id and _CSS_IDENT.match(node_id):
                parts.append(f"{node.tag}#{node_id}")
                break
            name = node.get("name")
            if node is element and name and node.tag in CONTROLS and '"' not in name:
                value = node.get("value")
                parts.append(
                    f'{node.tag}[name="{name}"]'
                    + (f'[value="{value}"]' if node.get("type") == "radio" and value else "")
                )
                break
            parts.append(_step_selector(node))
            if node.tag in ("body", "html"):
                break
            node = node.getparent()
        return " ".join(reversed(parts))

    def evidence(self, element: etree._Element, snippet: str | None = None) -> Evidence:
        """Evidence pointing at ``element``: this page, its line, its selector, a snippet."""
        shown = self.text(element) if snippet is None else snippet
        if len(shown) > 120:
            shown = shown[:117] + "..."
        return Evidence(self.source, self.line(element), self.selector(element), shown)


def _parse(html: str | bytes) -> etree._Element:
    """Parse a page; bytes are read as UTF-8 when they are, else as the page declares.

    Without this, libxml2 reads undeclared bytes as Latin-1 and "€" becomes "â‚¬".
    """
    if isinstance(html, bytes):
        try:
            text = html.decode("utf-8-sig")
        except UnicodeDecodeError:
            return lxml.html.document_fromstring(html)
        try:
            return lxml.html.document_fromstring(text)
        except ValueError:  # an XML declaration naming an encoding: let libxml2 decode
            return lxml.html.document_fromstring(html)
    return lxml.html.document_fromstring(html)


def _hides(element: etree._Element) -> bool:
    if element.get("hidden") is not None:
        return True
    if element.tag == "input" and (element.get("type") or "").lower() == "hidden":
        return True
    if element.tag == "dialog" and element.get("open") is None:
        return True
    style = element.get("style")
    if style and _HIDING_STYLE.search(style):
        return True
    classes = element.get("class")
    return bool(classes) and not HIDING_CLASSES.isdisjoint(classes.split())


def _step_selector(node: etree._Element) -> str:
    part = node.tag
    classes = [c for c in (node.get("class") or "").split() if _CSS_IDENT.match(c)]
    if classes:
        part += f".{classes[0]}"
    parent = node.getparent()
    if parent is not None and node.tag not in ("body", "html"):
        same = [sibling for sibling in parent if sibling.tag == node.tag]
        if len(same) > 1:
            part += f":nth-of-type({same.index(node) + 1})"
    return part
