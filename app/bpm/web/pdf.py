"""Paper forms as PDF: HTML drawn by WeasyPrint on the server, and the response that carries it.

The HTML is the product's own template, and WeasyPrint may fetch nothing for it: only `data:`
URLs (an image embedded in the page) are read, so no file of the server and no address on the
network can be pulled into a document. Page numbers come from CSS `@page` counters
(`page_counter`); fonts are the system's (fontconfig: a CJK font for Chinese text).
"""

from __future__ import annotations

import base64
import re
from typing import Any

from flask import Response, current_app, render_template

from app.bpm.clock import utcnow
from app.i18n import translate

from .locale import current_locale

_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_PLACEHOLDER = re.compile(r"\{(page|pages)\}")


def paper_form(template: str, filename: str, *, title: str, number_label: str, number: str, **context: Any) -> Response:
    """The PDF of a paper form: `template` extends "print_form.html", which draws the company's
    header, the form's title and number, and "page N of M" in every page's footer."""
    locale = current_locale()
    html = render_template(
        template,
        title=title,
        number_label=number_label,
        number=number,
        company=current_app.config["SHOUHOU"].company_name,
        page_numbers=page_counter(translate("print.page_of", locale)),
        printed_at=utcnow(),
        **context,
    )
    return pdf_response(render_pdf(html), filename)


def render_pdf(html: str) -> bytes:
    """The PDF of `html`; WeasyPrint is imported here, so the app starts without it."""
    import weasyprint  # heavy (pango through cffi): imported on first use

    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",), allow_redirects=False)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf()
    return pdf


def pdf_response(pdf: bytes, filename: str) -> Response:
    """`pdf` shown in the browser (inline) under an ASCII-safe file name."""
    safe = _FILENAME_UNSAFE.sub("_", filename).strip("._") or "document"
    if not safe.endswith(".pdf"):
        safe += ".pdf"
    headers = {
        "Content-Disposition": f'inline; filename="{safe}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return Response(pdf, mimetype="application/pdf", headers=headers)


def data_url(content: bytes, mimetype: str) -> str:
    """`content` as a `data:` URL, the one kind of URL `render_pdf` reads."""
    return f"data:{mimetype};base64,{base64.b64encode(content).decode('ascii')}"


def page_counter(text: str) -> str:
    """A CSS `content` value from a catalogue text with `{page}` and `{pages}` ("第 {page} 页 /
    共 {pages} 页"): the text as quoted strings around `counter(page)` and `counter(pages)`."""
    parts = []
    for index, piece in enumerate(_PLACEHOLDER.split(text)):
        if index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(parts) or '""'
