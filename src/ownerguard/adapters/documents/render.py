"""HTML → PDF in memory. Templates autoescape; the CJK font comes from the system
(fonts-wqy-microhei on Debian), named first in the stylesheet."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=PackageLoader("ownerguard.adapters.documents", "templates"),
                       autoescape=select_autoescape(("html",)), trim_blocks=True,
                       lstrip_blocks=True)


def html(template: str, **context) -> str:
    return _env().get_template(template).render(**context)


def pdf(document_html: str) -> bytes:
    # Imported here: WeasyPrint loads Pango at import time, which only document generation needs.
    from weasyprint import HTML

    return HTML(string=document_html).write_pdf()
