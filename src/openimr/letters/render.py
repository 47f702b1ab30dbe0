"""The Final Determination Letter: a determination and its case, rendered from templates.

Templates (``templates/``) hold the wording and the fixed sections; this module only builds
their context and picks the output. The engine drafts; until a physician reviewer signs,
every rendering says plainly that it is a draft.
"""

from __future__ import annotations

import textwrap
from functools import cache
from typing import Literal

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
    # Imported here: only PDF output pays for the layout engine.
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
