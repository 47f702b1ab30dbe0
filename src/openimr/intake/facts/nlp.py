"""Sentences and ConText assertions, with medspaCy (imported lazily: it takes ~1.5 s).

We use a blank spaCy English pipeline (no model download), medspaCy's rule-based clinical
sentence splitter (PyRuSH) and its ConText algorithm with OUR rules (rules/context.yaml)
instead of its defaults. PyRuSH is most of the time of extraction (~15 ms a KB of text),
but spaCy's punctuation sentencizer makes longer sentences in clinical lists, and ConText
scopes then run too far (tried: seed 001 loses its acupuncture count).
Targets are the spans our regular expressions found; ConText tells whether each is
negated, uncertain, historical or hypothetical.

ConText is medspaCy's, run by ``_context`` below rather than by its pipeline component:
the component compares every modifier with every other and with every target, and finds
each modifier's sentence by a scan of the document, which made a 300 KB case take minutes
(issue 8). The driver gives the same modifiers to the same targets (the library's own
``limit_scope`` and ``modifies`` decide, in the same order), but only for the pairs whose
token ranges can meet; tests/intake/test_facts.py checks it against the component.
"""

from __future__ import annotations

import bisect
import re
import sys
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from openimr.intake.facts.rules import context_rules
from openimr.intake.facts.rush import Prefiltered, split_gaps
from openimr.intake.regex_cache import compile_cached
from openimr.model import Assertion

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


@contextmanager
def _without_spacy_cli() -> Iterator[None]:
    """spaCy's package imports its command line (spacy.cli, with typer, requests, langcodes
    and a config read by ruamel.yaml: ~0.1 s of every start) only to offer ``spacy.info``.
    While spaCy is first imported, a placeholder stands in for it; the placeholder is then
    taken out of sys.modules, so that whatever imports spacy.cli later gets the real one,
    and ``spacy.info``, if ever called, calls the real one."""
    if "spacy" in sys.modules or "spacy.cli" in sys.modules:
        yield
        return
    cli = types.ModuleType("spacy.cli")
    info = types.ModuleType("spacy.cli.info")

    def _info(*args: Any, **kwargs: Any) -> Any:
        from spacy.cli.info import info as real_info

        return real_info(*args, **kwargs)

    info.info = _info  # type: ignore[attr-defined]
    cli.info = info  # type: ignore[attr-defined]
    placeholders = {"spacy.cli": cli, "spacy.cli.info": info}
    sys.modules.update(placeholders)
    try:
        yield
    finally:
        for name, module in placeholders.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


@contextmanager
def _spacy_regexes_cached() -> Iterator[None]:
    """spaCy compiles its tokenizer's prefix, suffix and infix expressions (~40 ms) with
    ``re.compile`` in spacy.util: while the pipeline is built, that module's ``re`` is one
    whose ``compile`` is ``compile_cached`` (the same pattern objects, kept between runs)."""
    import spacy.util

    shim = types.SimpleNamespace(**{n: getattr(re, n) for n in dir(re) if not n.startswith("__")})
    shim.compile = compile_cached
    real = spacy.util.re
    spacy.util.re = shim  # type: ignore[assignment]
    try:
        yield
    finally:
        spacy.util.re = real


def context_rule_objects() -> list[Any]:
    """Our rules (rules/context.yaml) as medspaCy ConTextRules."""
    from medspacy.context import ConTextRule

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
    return rules


@cache
def pipeline() -> Any:
    """The blank English tokenizer and PyRuSH (ConText's matcher: ``context_matcher``)."""
    _without_quickumls()
    with _without_spacy_cli():
        import medspacy  # noqa: F401  (registers the medspaCy pipeline factories)
        import spacy
    from loguru import logger

    logger.disable("PyRuSH")  # its debug logging would flood stderr
    with _spacy_regexes_cached():
        nlp = spacy.blank("en")
    # A full stop with no space after it still ends a clause ("fever.Positive SLR"): split
    # it off as its own token (not in "e.g.", "7.5" or "L5.S1"-like runs of capitals).
    infixes = [*nlp.Defaults.infixes, r"(?<=[a-z]{2})\.(?=[A-Z][a-z])"]
    # spacy.util.compile_infix_regex's expression, compiled once between runs (regex_cache).
    expression = "|".join(piece for piece in infixes if piece.strip())
    nlp.tokenizer.infix_finditer = compile_cached(expression).finditer
    rush = nlp.add_pipe("medspacy_pyrush").rush
    rush.fastner.process = Prefiltered(rush.fastner)  # the same matches, ~5x sooner
    return nlp


MAX_VOCABULARY = 20_000
"""Lexemes the pipeline may learn before it is built afresh. spaCy keeps every new token
string it meets (its vocabulary, string store and tokenizer cache; about 0.4 KB a word) for
the life of the pipeline, so a long batch of cases grew by tens of KB a case; rebuilding
takes about 0.2 s, frees them and changes no result."""


def bounded_pipeline() -> Any:
    """``pipeline()``, rebuilt (with its ConText matcher) once its vocabulary is too large."""
    if len(pipeline().vocab) > MAX_VOCABULARY:
        pipeline.cache_clear()
        context_matcher.cache_clear()
    return pipeline()


@cache
def context_matcher() -> Any:
    """The modifier matcher the ConText component would build (phrases on lower case,
    overlapping matches pruned to the longest); its rule_map gives each match's rule."""
    from medspacy.common.medspacy_matcher import MedspacyMatcher

    matcher = MedspacyMatcher(pipeline(), name="medspacy_context", phrase_matcher_attr="LOWER")
    matcher.add(context_rule_objects())
    return matcher


def nlp_text(text: str) -> str:
    """The text the pipeline sees: the same length, soft line breaks made spaces, and
    backslashes slashes ("w\\o" is "w/o"). PyRuSH's matcher (PyFastNER) reads a backslash
    in the text as its rules' escape character, and its matches then change from one call
    to the next on the same text: a slash keeps every sentence the same on every run."""
    return _SOFT_BREAK.sub(lambda m: " " * len(m.group()), text).replace("\\", "/")


def _split_sentences(doc: Any) -> None:
    """PyRuSH's sentence starts, set as its component sets them (1 at a start, -1 elsewhere)
    but in one array: the component sets each token through Token.is_sent_start, which
    scans the whole document for a dependency parse each time (quadratic)."""
    from spacy.attrs import IDX, IS_SPACE, SENT_START

    if len(doc) == 0:
        return
    component = pipeline().get_pipe("medspacy_pyrush")
    if component.merge_gaps or component.max_sentence_length is not None:
        (tags,) = component.predict([doc])
    else:  # the component's own reading (cpredict_split_gaps), without its logging
        idx, space = doc.to_array([IDX, IS_SPACE]).T.tolist()
        tags = split_gaps(idx, space, component.rush.segToSentenceSpans(doc.text))
    starts = doc.to_array(SENT_START)  # uint64: -1 is stored as 2**64 - 1
    starts[:] = [1 if tag else 2**64 - 1 for tag in tags]
    doc.from_array([SENT_START], starts)


def _scope(rule: Any, start: int, end: int, sentence: tuple[int, int]) -> tuple[int, int]:
    """A modifier's scope in tokens, as medspaCy's ConTextModifier sets it when ConText has
    no global max_scope: its sentence in its direction, cut to the rule's max_scope."""
    sent_start, sent_end = sentence
    direction, max_scope = rule.direction.lower(), rule.max_scope
    if direction == "forward":
        scope = (end, sent_end)
        if max_scope is not None and scope[1] - scope[0] > max_scope:
            scope = (end, end + max_scope)
    elif direction == "backward":
        scope = (sent_start, start)
        if max_scope is not None and scope[1] - scope[0] > max_scope:
            scope = (start - max_scope, start)
    else:  # bidirectional, and terminate / pseudo (which modify nothing)
        scope = (sent_start, sent_end)
        if max_scope is not None and start - scope[0] > max_scope:
            scope = (start - max_scope, scope[1])
        if max_scope is not None and scope[1] - end > max_scope:
            scope = (scope[0], end + max_scope)
    return scope


@cache
def _list_literals() -> frozenset[str]:
    return frozenset(r.literal.lower() for r in context_rules().rules if r.spans_list)


def _opens(words: list[str], i: int, openers: set[str], stops: set[str]) -> bool:
    """Whether the segment from token i to the next stop (at most a dozen tokens on)
    holds an opener."""
    for word in words[i : i + 12]:
        if word in stops:
            return False
        if word in openers:
            return True
    return False


class _Clauses:
    """Clause bounds in a document's tokens, from context.yaml's ``clauses``."""

    def __init__(self, doc: Any) -> None:
        rules = context_rules().clauses
        words = [t.lower_ for t in doc]
        end, sep, conj = set(rules.always_end), set(rules.separators), set(rules.conjunctions)
        openers = set(rules.openers)
        # A token that ends the clause before it: a semicolon; a separator whose following
        # segment states something of its own; a conjunction followed by such a word.
        segment_has_opener: dict[int, bool] = {}
        start = 0
        for i, word in enumerate([*words, ";"]):
            if word in end or word in sep:
                segment_has_opener[start] = any(w in openers for w in words[start:i])
                start = i + 1
        stops = end | sep | conj
        # A modifier written just after a conjunction is the verb of a predicate of its own
        # ("close to MMI and requested an FCE"): nothing before the conjunction is its.
        self.after_conjunction = {i + 1 for i, word in enumerate(words) if word in conj}
        self.semicolons = {i for i, word in enumerate(words) if word == ";"}
        self.commas = {i for i, word in enumerate(words) if word == ","}
        self.breaks = [
            i
            for i, word in enumerate(words)
            if word in end
            or (word in sep and segment_has_opener.get(i + 1, False))
            or (word in conj and _opens(words, i + 1, openers, stops))
        ]

    def clip(
        self, direction: str, start: int, end: int, scope: tuple[int, int], opens: int = -1
    ) -> tuple[int, int]:
        """A modifier's scope cut to its clause: forward to the next break after it,
        backward to the last break before it. ``opens``: the first token of the sentence."""
        lo, hi = scope
        if direction in ("forward", "bidirectional"):
            i = bisect.bisect_left(self.breaks, end)
            if (
                i < len(self.breaks)
                and self.breaks[i] == end
                and (end in self.semicolons or (end in self.commas and start <= opens + 1))
            ):
                # "the following was requested; PT 2x4": a modifier that ends its clause
                # governs the list its semicolon introduces; so does one that opens the
                # sentence and ends at a comma ("Per ODG, MRI is supported when ...")
                i += 1
            if i < len(self.breaks) and self.breaks[i] < hi:
                hi = self.breaks[i]
        if direction in ("backward", "bidirectional") and start in self.after_conjunction:
            lo = max(lo, start)
        elif direction in ("backward", "bidirectional"):
            i = bisect.bisect_left(self.breaks, start) - 1
            if i >= 0 and self.breaks[i] >= lo:
                lo = self.breaks[i] + 1
        return lo, max(lo, hi)


def _meeting(ranges: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Pairs (a, b), a < b, of the closed ranges (lo, hi, id) that share a token."""
    pairs = []
    active: list[tuple[int, int]] = []  # (hi, id) of ranges begun and not yet ended
    for lo, hi, ident in sorted(ranges):
        active = [(h, i) for h, i in active if h >= lo]
        pairs.extend((min(i, ident), max(i, ident)) for _, i in active)
        active.append((hi, ident))
    return pairs


def _context(
    doc: Any, spans: list[Any], sentence_of_token: Any
) -> tuple[list[Any], list[list[int]]]:
    """medspaCy's ConText over ``spans``: the modifiers found, and for each span the
    indexes of those that modify it, in order. The same as the ConText component, which
    tries every pair: a scope only ever shrinks, within the range from its modifier to its
    first extent, so a pair whose ranges are apart never interacts and is skipped."""
    from medspacy.context import ConTextModifier

    matcher = context_matcher()
    with warnings.catch_warnings():
        # W036: medspaCy's internal token matcher is empty when all rules are phrases.
        warnings.filterwarnings("ignore", message=r"\[W036\]")
        matches = matcher(doc)
    modifiers = []
    clauses = _Clauses(doc)
    for match_id, start, end in matches:
        rule = matcher.rule_map[doc.vocab[match_id].text]
        sentence = sentence_of_token(start)
        s, e = _scope(rule, start, end, sentence)
        if rule.literal.lower() not in _list_literals():
            # A terminator's scope is its clause too: medspaCy's overlap test misses a
            # scope that contains another on both sides, so both must be cut alike.
            direction = rule.direction.lower()
            direction = direction if direction in ("forward", "backward") else "bidirectional"
            s, e = clauses.clip(direction, start, end, (s, e), sentence[0])
        modifiers.append(ConTextModifier(rule, start, end, doc, scope_start=s, scope_end=e))
    # The token range each modifier's span and scope can ever cover.
    reach = [
        (min(m.modifier_span[0], m.scope_span[0]), max(m.modifier_span[1], m.scope_span[1]))
        for m in modifiers
    ]
    # Scopes: each modifier against every later one, as ConTextGraph.update_scopes does.
    later: list[list[int]] = [[] for _ in modifiers]
    for a, b in _meeting([(lo, hi, i) for i, (lo, hi) in enumerate(reach)]):
        later[a].append(b)
    for i, js in enumerate(later):
        for j in sorted(js):
            modifiers[i].limit_scope(modifiers[j])
            modifiers[j].limit_scope(modifiers[i])
    # Targets: each against every modifier, as ConTextGraph.apply_modifiers does.
    n = len(modifiers)
    ranges = [(lo, hi, i) for i, (lo, hi) in enumerate(reach)]
    ranges += [(span.start, span.end, n + t) for t, span in enumerate(spans)]
    near: list[list[int]] = [[] for _ in spans]
    for a, b in _meeting(ranges):
        if a < n <= b:
            near[b - n].append(a)
    found = [
        [i for i in sorted(near[t]) if modifiers[i].modifies(span)] for t, span in enumerate(spans)
    ]
    return modifiers, found


_DATE = r"\d{1,2}/\d{1,2}(?:/\d{2,4})?"


@cache
def _headings() -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """Headings that open a planned section, and headings of any kind: each at the start of
    the text, of a line, or of a sentence or clause, perhaps after one word naming whose it
    is ("surgeon RFA 5/21/2014:"), and followed by a colon."""
    sections = context_rules().sections
    if sections is None:
        return None

    def heading(words: list[str]) -> re.Pattern[str]:
        alternatives = "|".join(f"(?:{w})" for w in words).replace("{DATE}", _DATE)
        return re.compile(
            rf"(?:^|(?<=[\n.;?!])|(?<=[\n.;?!]\s))\s*(?:[\w']+\s+)?(?:{alternatives})\s*:", re.I
        )

    return heading(sections.hypothetical), heading(sections.hypothetical + sections.other)


def _planned_sections(text: str) -> list[tuple[int, int]]:
    """Character ranges of a text under a plan or request heading."""
    found = _headings()
    if found is None:
        return []
    planned, any_heading = found
    ends = sorted(
        {m.start() for m in any_heading.finditer(text)}
        | {m.start() for m in re.finditer(r"\n\s*\n", text)}
        | {len(text)}
    )
    return [(m.end(), ends[bisect.bisect_right(ends, m.end())]) for m in planned.finditer(text)]


class Analysis:
    """A text split into sentences, with ConText run over the given targets."""

    def __init__(self, text: str, targets: list[Target]) -> None:
        nlp = bounded_pipeline()
        self.text = text
        # The tokenizer itself, not nlp.make_doc: that refuses texts over nlp.max_length
        # (E088), a limit for the parser and NER we do not run; a 1 MB case is ~200,000
        # tokens, a few tens of MB.
        doc = nlp.tokenizer(nlp_text(text))
        _split_sentences(doc)
        sentences = list(doc.sents)
        self.sentences = [(s.start_char, s.end_char) for s in sentences]
        self._starts = [start for start, _ in self.sentences]
        token_starts = [s.start for s in sentences]
        token_bounds = [(s.start, s.end) for s in sentences]

        def sentence_of_token(i: int) -> tuple[int, int]:
            return token_bounds[bisect.bisect_right(token_starts, i) - 1]

        spans = []
        self._index: dict[tuple[int, int, str], int] = {}
        for t in targets:
            span = doc.char_span(t.start, t.end, label=t.label, alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            self._index[(t.start, t.end, t.label)] = len(spans)
            spans.append(span)
        modifiers, found = _context(doc, spans, sentence_of_token) if spans else ([], [])
        # spaCy keeps a span's extension values (ConText's Span._.modifiers) by its
        # characters alone, so spans over the same characters (a TREATMENT and a SURGERY
        # target) share their modifiers: kept so, in the component's order.
        shared: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for t, span in enumerate(spans):
            shared.setdefault((span.start_char, span.end_char), []).extend((m, t) for m in found[t])
        self._modifiers: list[list[Any]] = []
        for span in spans:
            pairs = sorted(shared[(span.start_char, span.end_char)])
            self._modifiers.append([modifiers[m] for m, _ in pairs])
        self.categories = context_rules().categories
        self._planned = _planned_sections(text)

    def sentence_of(self, offset: int) -> tuple[int, int]:
        """The sentence holding a character offset (the whole text if none does)."""
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0 and offset < self.sentences[i][1]:
            return self.sentences[i]
        return 0, len(self.text)

    def _of(self, target: Target) -> list[Any]:
        i = self._index.get((target.start, target.end, target.label))
        return [] if i is None else self._modifiers[i]

    def assertion(self, target: Target) -> Assertion:
        found = {
            self.categories[m.category] for m in self._of(target) if m.category in self.categories
        }
        if any(s <= target.start < e for s, e in self._planned):
            found.add(Assertion.HYPOTHETICAL)
        for assertion in _PRECEDENCE:
            if assertion in found:
                return assertion
        return Assertion.PRESENT

    def modifiers(self, target: Target) -> list[tuple[str, int, int]]:
        """The modifiers of a target: category and token span of each, in ConText's order."""
        return [(m.category, *m.modifier_span) for m in self._of(target)]
