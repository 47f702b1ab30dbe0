"""The Final Determination Letter: a determination and its case, rendered from templates.

Templates (``templates/``) hold the wording and the fixed sections; this module only builds
their context and picks the output. The engine drafts; until a physician reviewer signs,
every rendering says plainly that it is a draft. The same case gives byte-identical text,
HTML and PDF.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sys
import textwrap
import threading
from collections.abc import Iterator
from functools import cache
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from openimr.model import Case, Determination, ItemDecision

LetterFormat = Literal["text", "html", "pdf"]

DRAFT_NOTICE = (
    "DRAFT prepared by openimr for a physician reviewer. It is not a determination until "
    "a physician reviewer has examined the case file, confirmed or changed each decision, "
    "and signed."
)


def _wrap(text: str, width: int = 88) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width) for p in paragraphs)


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("openimr.letters", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "html"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["wrap"] = _wrap
    return env


def _decision_line(item: ItemDecision) -> str:
    return item.decision or "Referred for physician judgement"


def _guideline_line(item: ItemDecision) -> str:
    citation = item.guideline
    if citation is None:
        return "No guideline rule addresses this item; referred for physician judgement."
    parts = [citation.guideline]
    if citation.section:
        parts.append(citation.section)
    line = "Decision based on " + ", ".join(parts)
    if citation.pages:
        line += f", Page(s): {citation.pages}"
    if citation.edition:
        line += f"; edition: {citation.edition}"
    return line + "."


def letter_context(determination: Determination, case: Case, summary: str) -> dict:
    """What the templates may use, already phrased."""
    claims = {r.text: r.claims_administrator_guideline for r in case.requests}
    return {
        "determination": determination,
        "case": case,
        "reviewer": determination.reviewer or case.reviewer,
        "signed": determination.signed,
        "draft_notice": DRAFT_NOTICE,
        "summary": summary,
        "items": [
            {
                "item": item,
                "decision": _decision_line(item),
                "claims_guideline": claims.get(item.request) or "Not stated in the case file.",
                "reviewer_guideline": _guideline_line(item),
            }
            for item in determination.items
        ],
    }


def render_letter(
    determination: Determination, case: Case, summary: str, output: LetterFormat = "text"
) -> str | bytes:
    """The letter as text, HTML, or PDF bytes."""
    context = letter_context(determination, case, summary)
    if output == "text":
        return _environment().get_template("letter.txt.j2").render(context)
    html = _environment().get_template("letter.html.j2").render(context)
    if output == "html":
        return html
    return _pdf(html, _pdf_identifier(determination))


# PDF -------------------------------------------------------------------------------------


def _pdf_identifier(determination: Determination) -> bytes:
    """The PDF's permanent /ID: from what was decided, not random, so the same case gives
    the same bytes."""
    key = "\n".join((determination.case_id, determination.pack_version, determination.input_sha256))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32].encode("ascii")


@cache
def _weasyprint_html() -> Any:
    """WeasyPrint's HTML class, imported once per process.

    On import WeasyPrint opens GObject, Pango, HarfBuzz and fontconfig, trying several
    names for each; cffi hands every name that is not a file name to
    ctypes.util.find_library, which on Linux runs ldconfig, gcc and ld for each (26, 21
    and 21 programs, a quarter of a second). WeasyPrint's lists also hold each library's
    file name (libpango-1.0.so.0, .dylib, .dll), which the dynamic loader finds by
    itself. So while importing, find_library answers "not found" at once and cffi goes
    on to those names. Should that load nothing, the import is retried as WeasyPrint
    meant it.
    """
    import ctypes.util

    real = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        # WeasyPrint prints its installation advice on stdout before failing: not into a
        # PDF written to standard output.
        with contextlib.redirect_stdout(io.StringIO()):
            from weasyprint import HTML
    except OSError:
        ctypes.util.find_library = real
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        from weasyprint import HTML
    finally:
        ctypes.util.find_library = real
    return HTML


_SOURCE_DATE = threading.Lock()


@contextlib.contextmanager
def _fixed_font_dates() -> Iterator[None]:
    """fontTools stamps each embedded font subset with the time it was made, unless
    SOURCE_DATE_EPOCH (reproducible builds) gives one: a fixed one for the render, or the
    caller's own."""
    with _SOURCE_DATE:
        before = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = before or "0"
        try:
            yield
        finally:
            if before is None:
                del os.environ["SOURCE_DATE_EPOCH"]


def _pdf(html: str, identifier: bytes) -> bytes:
    html_class = _weasyprint_html()
    # No creation or modification date is written (the HTML carries no dcterms dates):
    # a clock in the file would make every render differ.
    with _fixed_font_dates():
        return html_class(string=html).write_pdf(pdf_identifier=identifier)
