"""One Jinja environment for every text openimr writes: rationales, letters, summaries.

Templates live beside the code that fills them (``review/templates``, ``letters/templates``);
their names are unique, so one loader finds them all."""

from __future__ import annotations

import datetime as dt
import textwrap
from functools import cache
from importlib import resources

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)

TEMPLATE_FOLDERS = ("review", "letters")


def wrap(text: str, width: int = 88) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width) for p in paragraphs)


def long_date(day: dt.date | str | None) -> str:
    """ "March 11, 2014", as the letters write dates (facts hold ISO strings); empty when
    unknown."""
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            return day
    return f"{day:%B} {day.day}, {day.year}" if day else ""


@cache
def environment() -> Environment:
    root = resources.files("openimr")
    env = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader(str(root / part / "templates")) for part in TEMPLATE_FOLDERS]
        ),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "html"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["wrap"] = wrap
    env.filters["long_date"] = long_date
    env.filters["capitalize_first"] = lambda s: s[:1].upper() + s[1:]
    return env
