"""Evidence as marks in a source text: each criterion's spans, by their offsets into the text
the engine read, as ``<mark>`` elements that cover exactly those offsets (one more copy of
the text only where two spans cross, since HTML elements cannot)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    key: str
    """The criterion's key, the same as its button's ``data-criterion``."""
    label: str


def _laminar(a: Span, b: Span) -> bool:
    """Two spans that can both be marks in one copy of the text: apart, or one inside the
    other (HTML elements nest; they cannot cross)."""
    apart = a.end <= b.start or b.end <= a.start
    nested = (a.start <= b.start and b.end <= a.end) or (b.start <= a.start and a.end <= b.end)
    return apart or nested


def layers(text: str, spans: list[Span]) -> list[list[Span]]:
    """The spans in as few copies of the text as let each be one ``<mark>`` covering exactly
    its offsets: one copy unless two spans cross."""
    result: list[list[Span]] = []
    usable = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    for span in sorted(usable, key=lambda s: (s.start, -s.end, s.key)):
        for layer in result:
            if all(_laminar(span, other) for other in layer):
                layer.append(span)
                break
        else:
            result.append([span])
    return result or [[]]


def marked(text: str, spans: list[Span]) -> Markup:
    """The text, escaped, with each span (of one laminar layer) a ``<mark>``."""
    out: list[str] = []
    pos = 0
    open_ends: list[int] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.key)):
        while open_ends and open_ends[-1] <= span.start:
            end = open_ends.pop()
            out += [str(escape(text[pos:end])), "</mark>"]
            pos = end
        out.append(str(escape(text[pos : span.start])))
        pos = span.start
        out.append(f'<mark data-criterion="{escape(span.key)}" title="{escape(span.label)}">')
        open_ends.append(span.end)
    while open_ends:
        end = open_ends.pop()
        out += [str(escape(text[pos:end])), "</mark>"]
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def criterion_key(n: int, index: int) -> str:
    return f"item-{n}-criterion-{index}"
