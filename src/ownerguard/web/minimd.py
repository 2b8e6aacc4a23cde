"""A tiny, safe Markdown subset for the training texts: headings, paragraphs, bullet and
numbered lists, ``**bold**`` and ``inline code``.

Safety: every line is HTML-escaped *first*; the only markup added afterwards is the fixed tags
below, so whatever the text holds (``<script>``…) comes out as text. No links, no images, no
raw HTML.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def inline(text: str) -> str:
    out = str(escape(text))
    out = _CODE.sub(r"<code>\1</code>", out)
    return _BOLD.sub(r"<strong>\1</strong>", out)


def render(text: str, *, top: int = 3) -> Markup:
    """HTML for ``text``; ``#`` becomes ``<h{top}>``, ``##`` ``<h{top+1}>`` and so on."""
    html: list[str] = []
    para: list[str] = []
    items: list[str] = []
    list_tag: str | None = None

    def flush_para() -> None:
        if para:
            html.append("<p>" + "<br>".join(inline(line) for line in para) + "</p>")
            para.clear()

    def flush_list() -> None:
        nonlocal list_tag
        if items:
            html.append(f"<{list_tag}>" + "".join(f"<li>{i}</li>" for i in items)
                        + f"</{list_tag}>")
            items.clear()
        list_tag = None

    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            flush_para()
            flush_list()
            continue
        if m := _HEADING.match(line):
            flush_para()
            flush_list()
            level = min(6, top + len(m.group(1)) - 1)
            html.append(f"<h{level}>{inline(m.group(2).strip())}</h{level}>")
            continue
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        if bullet or numbered:
            flush_para()
            tag = "ul" if bullet else "ol"
            if list_tag != tag:
                flush_list()
                list_tag = tag
            marker = bullet or numbered
            assert marker is not None
            items.append(inline(marker.group(1).strip()))
            continue
        if items and raw[:1].isspace():       # continuation of a list item
            items[-1] += " " + inline(line.strip())
            continue
        flush_list()
        para.append(line.strip())
    flush_para()
    flush_list()
    return Markup("\n".join(html))
