"""Sentences and ConText assertions, with medspaCy (imported lazily: it takes ~1.5 s).

We use a blank spaCy English pipeline (no model download), medspaCy's rule-based clinical
sentence splitter (PyRuSH) and its ConText component loaded with OUR rules
(rules/context.yaml) instead of its defaults. PyRuSH is most of the time of extraction
(~35 ms a summary), but spaCy's punctuation sentencizer makes longer sentences in clinical
lists, and ConText scopes then run too far (tried: seed 001 loses its acupuncture count).
Targets are the spans our regular expressions found; ConText tells whether each is
negated, uncertain, historical or hypothetical.
"""

from __future__ import annotations

import re
import sys
import types
import warnings
from dataclasses import dataclass
from functools import cache
from typing import Any

from openimr.intake.facts.rules import context_rules
from openimr.model import Assertion

SPAN_GROUP = "openimr_targets"
# Precedence when several modifiers apply to one target.
_PRECEDENCE = [
    Assertion.NEGATED,
    Assertion.HYPOTHETICAL,
    Assertion.UNCERTAIN,
    Assertion.HISTORICAL,
]

# A line break inside a sentence (letters wrap mid-sentence, often with blank lines):
# the previous word does not end a sentence and the next starts in lower case, a digit
# or a bracket. Replaced by spaces of the same length, so offsets do not move.
_SOFT_BREAK = re.compile(r"(?<=[^\s.:!?])[ \t]*\n[\s]*(?=[a-z0-9(\[])")


@dataclass(frozen=True)
class Target:
    start: int
    end: int
    label: str


def _without_quickumls() -> None:
    """medspaCy imports QuickUMLS at import time (and with it NLTK and SciPy, about a
    second) for a UMLS component we never add. Empty placeholder modules stand in for it:
    anything that did use QuickUMLS would fail with an AttributeError naming it."""
    if "quickumls" in sys.modules:
        return
    package = types.ModuleType("quickumls")
    component = types.ModuleType("quickumls.spacy_component")
    package.spacy_component = component  # type: ignore[attr-defined]
    sys.modules.update({"quickumls": package, "quickumls.spacy_component": component})


@cache
def pipeline() -> Any:
    _without_quickumls()
    import medspacy  # noqa: F401  (registers the medspaCy pipeline factories)
    import spacy
    from loguru import logger
    from medspacy.context import ConTextRule

    logger.disable("PyRuSH")  # its debug logging would flood stderr
    nlp = spacy.blank("en")
    nlp.add_pipe("medspacy_pyrush")
    context = nlp.add_pipe(
        "medspacy_context",
        config={
            "rules": None,
            "input_span_type": "group",
            "span_group_name": SPAN_GROUP,
            "span_attrs": None,
        },
    )
    rules = []
    for r in context_rules().rules:
        kwargs: dict[str, Any] = {"direction": r.direction}
        if r.pattern:
            kwargs["pattern"] = r.pattern
        if r.max_scope is not None:
            kwargs["max_scope"] = r.max_scope
        if r.allowed_types:
            kwargs["allowed_types"] = set(r.allowed_types)
        if r.excluded_types:
            kwargs["excluded_types"] = set(r.excluded_types)
        rules.append(ConTextRule(r.literal, r.category, **kwargs))
    context.add(rules)
    return nlp


def nlp_text(text: str) -> str:
    """The text the pipeline sees: the same length, soft line breaks made spaces."""
    return _SOFT_BREAK.sub(lambda m: " " * len(m.group()), text)


class Analysis:
    """A text split into sentences, with ConText run over the given targets."""

    def __init__(self, text: str, targets: list[Target]) -> None:
        nlp = pipeline()
        self.text = text
        doc = nlp.make_doc(nlp_text(text))
        doc = nlp.get_pipe("medspacy_pyrush")(doc)
        spans = []
        self._index: dict[tuple[int, int, str], int] = {}
        for t in targets:
            span = doc.char_span(t.start, t.end, label=t.label, alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            self._index[(t.start, t.end, t.label)] = len(spans)
            spans.append(span)
        doc.spans[SPAN_GROUP] = spans
        with warnings.catch_warnings():
            # W036: medspaCy's internal token matcher is empty when all rules are phrases.
            warnings.filterwarnings("ignore", message=r"\[W036\]")
            doc = nlp.get_pipe("medspacy_context")(doc)
        self._spans = list(doc.spans[SPAN_GROUP])
        self.sentences = [(s.start_char, s.end_char) for s in doc.sents]
        self.categories = context_rules().categories

    def sentence_of(self, offset: int) -> tuple[int, int]:
        for start, end in self.sentences:
            if start <= offset < end:
                return start, end
        return 0, len(self.text)

    def assertion(self, target: Target) -> Assertion:
        i = self._index.get((target.start, target.end, target.label))
        if i is None:
            return Assertion.PRESENT
        found = {
            self.categories[m.category]
            for m in self._spans[i]._.modifiers
            if m.category in self.categories
        }
        for assertion in _PRECEDENCE:
            if assertion in found:
                return assertion
        return Assertion.PRESENT

    def modifiers(self, target: Target) -> list[str]:
        i = self._index.get((target.start, target.end, target.label))
        return [] if i is None else [m.span.text for m in self._spans[i]._.modifiers]
