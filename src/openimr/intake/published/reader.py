"""Published Final Determination Letters into structured records.

The parser is layout-generic: ``layouts.yaml`` says what headings, labels, item headers and
decision sentences look like; this module classifies each line against those patterns and
assembles the items. Reading order: lines -> classified lines -> sections and items ->
record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from dateutil import parser as date_parser

from openimr.errors import UserError
from openimr.intake.demographics import extract_patient
from openimr.intake.documents import MAX_BYTES, read_document
from openimr.intake.published.record import (
    CitedGuideline,
    GuidelineCitation,
    GuidelineLine,
    LetterHeader,
    LetterItem,
    LetterRecord,
    PartialCertification,
)
from openimr.model import Decision, Patient, Reviewer
from openimr.yamlload import safe_load

_FLAGS = re.IGNORECASE


# ---------------------------------------------------------------------------------------
# The layout specification, compiled once.


@dataclass(frozen=True)
class _Statement:
    """A sentence that names an item (and maybe its decision), possibly over several lines."""

    start: re.Pattern[str]
    pattern: re.Pattern[str]
    decides: bool


@dataclass(frozen=True)
class _Spec:
    layouts: list[tuple[str, list[re.Pattern[str]]]]
    fallback: str
    draft_markers: list[re.Pattern[str]]
    sections: re.Pattern[str]
    section_names: dict[str, str]
    section_with_rest: re.Pattern[str]
    intros: re.Pattern[str]
    labels: re.Pattern[str]
    label_names: dict[str, str]
    item_headers: list[re.Pattern[str]]
    title_exclusions: re.Pattern[str]
    decision_word: re.Pattern[str]
    decision_words: dict[str, Decision]
    decision_lines: list[re.Pattern[str]]
    decision_alone: re.Pattern[str]
    partial_certification: list[re.Pattern[str]]
    partial_marker: re.Pattern[str]
    notices: dict[str, re.Pattern[str]]
    statements: list[_Statement]
    header_fields: re.Pattern[str]
    header_names: dict[str, str]
    header_dates: frozenset[str]
    reviewer: dict[str, Any]
    guideline_statement: re.Pattern[str]
    non_mtus: re.Pattern[str]
    non_mtus_prefixes: list[re.Pattern[str]]
    none_cited: re.Pattern[str]
    not_mtus: re.Pattern[str]
    pages: re.Pattern[str]
    mtus_prefix: re.Pattern[str]
    mtus_part: re.Pattern[str]
    mtus_separator: re.Pattern[str]
    section_names_with_commas: re.Pattern[str]
    conclusion: re.Pattern[str]
    conclusion_window: int
    closing_punctuation: re.Pattern[str]
    noise: re.Pattern[str]


def _alternation(named: dict[str, list[str]], template: str) -> tuple[re.Pattern[str], dict]:
    """One regex for many named pattern lists; ``lastgroup`` tells which name matched."""
    groups, names = [], {}
    for index, (name, patterns) in enumerate(named.items()):
        group = f"g{index}"
        names[group] = name
        groups.append(f"(?P<{group}>{'|'.join(f'(?:{p})' for p in patterns)})")
    return re.compile(template.format("|".join(groups)), _FLAGS), names


def _which(match: re.Match[str], names: dict[str, str]) -> str:
    """The name whose pattern matched (``lastgroup`` would name an inner group)."""
    return next(name for group, name in names.items() if match.group(group) is not None)


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


@cache
def _spec() -> _Spec:
    raw = safe_load(
        resources.files("openimr.intake.published")
        .joinpath("layouts.yaml")
        .read_text(encoding="utf-8"),
        keep=True,
    )
    sections, section_names = _alternation(raw["sections"], r"^(?:{})\s*:?$")
    section_with_rest, _ = _alternation(raw["sections"], r"^(?:{})\s*:\s+(?P<rest>\S.*)$")
    labels, label_names = _alternation(raw["item_labels"], r"^(?:{})(?:\s*:\s*(?P<rest>.*)|\s*)$")
    header_fields, header_names = _alternation(
        {name: [pattern.replace(" ", r"\s+")] for name, pattern in raw["header_fields"].items()},
        r"(?:^|(?<=\s))(?:{})\s*:\s*",
    )
    words = {
        word: decision for decision, spelled in raw["decision_words"].items() for word in spelled
    }
    statements = [
        _Statement(
            _compile(f"^(?:{entry['start']})"),
            _compile(f"^(?:{entry['pattern']})$"),
            bool(entry["decides"]),
        )
        for entry in raw["statements"]
    ]
    guidelines = raw["guidelines"]
    conclusion = raw["conclusion"]
    spec = _Spec(
        layouts=[
            (layout["name"], [re.compile(p) for p in layout["requires"]])
            for layout in raw["layouts"]
        ],
        fallback=raw["fallback"],
        draft_markers=[re.compile(p) for p in raw["draft_markers"]],
        sections=sections,
        section_names=section_names,
        section_with_rest=section_with_rest,
        intros=re.compile("|".join(f"(?:{p})" for p in raw["section_intros"]), _FLAGS),
        labels=labels,
        label_names=label_names,
        item_headers=[re.compile(f"^(?:{p})$", _FLAGS) for p in raw["item_headers"]],
        title_exclusions=re.compile("^(?:" + "|".join(raw["item_title_exclusions"]) + ")$", _FLAGS),
        decision_word=re.compile(r"\b(?:" + "|".join(words) + r")\b", _FLAGS),
        decision_words=words,
        decision_lines=[re.compile(f"^(?:{p})$", _FLAGS) for p in raw["decision_lines"]],
        decision_alone=_compile(f"^(?:{raw['decision_alone']})$"),
        partial_certification=[
            re.compile(f"^(?:{p})$", _FLAGS | re.DOTALL) for p in raw["partial_certification"]
        ],
        partial_marker=_compile(raw["partial_certification_marker"]),
        notices={name: re.compile(p, _FLAGS | re.DOTALL) for name, p in raw["notices"].items()},
        statements=statements,
        header_fields=header_fields,
        header_names=header_names,
        header_dates=frozenset(raw["header_dates"]),
        reviewer=raw["reviewer"],
        guideline_statement=re.compile(guidelines["statement"], _FLAGS),
        non_mtus=re.compile(guidelines["non_mtus"], _FLAGS),
        non_mtus_prefixes=[re.compile(f"^{p}", _FLAGS) for p in guidelines["non_mtus_prefixes"]],
        none_cited=re.compile(guidelines["none_cited"], _FLAGS),
        not_mtus=re.compile(guidelines["not_mtus"], _FLAGS),
        pages=re.compile(guidelines["pages"], _FLAGS),
        mtus_prefix=_compile(guidelines["mtus_prefix"]),
        mtus_part=re.compile(f"^(?:{guidelines['mtus_part']})$", re.DOTALL),
        mtus_separator=_compile(guidelines["mtus_separator"]),
        section_names_with_commas=_compile(
            "|".join(f"(?:{p})" for p in guidelines["section_names_with_commas"])
        ),
        conclusion=_compile(conclusion["phrases"]),
        conclusion_window=int(conclusion["window"]),
        closing_punctuation=re.compile(conclusion["closing_punctuation"]),
        noise=re.compile("^(?:" + "|".join(raw["noise"]) + ")$", _FLAGS),
    )
    return spec


# ---------------------------------------------------------------------------------------
# Lines.

_LABELLED = re.compile(r"^[A-Z][\w()/ ]{0,40}:")
_CONTINUES = re.compile(r"(?:[&,/]|\band)$")
_ENDS_SENTENCE = re.compile(r"[.!?:;)\]\"\u201d]\s*$")
_SPACES = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")  # runs only: single spaces stay


@dataclass(slots=True)
class _Line:
    text: str
    paragraph_start: bool
    soft: bool = False
    """The line broke at a space: its paragraph goes on (known only in soft-wrapped text)."""


_TRAILING_SPACE = re.compile(r"[ \t\u00a0]$")


def _soft_wrapped(raw: list[str], content: int) -> bool:
    """Text whose wrapped lines keep the space they broke at, and whose paragraphs' last lines
    have none (PDFium's text): there a line without a trailing space ends a paragraph."""
    trailing = sum(1 for line in raw if line.strip() and _TRAILING_SPACE.search(line))
    return content > 3 and 0.3 * content <= trailing < 0.97 * content


def _lines(text: str) -> list[_Line]:
    """Content lines, noting where a paragraph starts.

    Some extractions put an empty line after every line; there only lines holding
    white space mark paragraphs. Elsewhere any blank line does.
    """
    raw = _SPACES.sub(" ", text).split("\n")
    empty = raw.count("")
    content = len(raw) - empty - raw.count(" ")
    double_spaced = content > 3 and empty >= 0.6 * content
    soft_wrapped = not double_spaced and empty < 0.1 * content and _soft_wrapped(raw, content)
    spec = _spec()
    noise = spec.noise
    lines: list[_Line] = []
    paragraph_start = True
    for line in raw:
        if double_spaced and line == "":
            continue
        stripped = line.strip()
        if not stripped:
            paragraph_start = True
            continue
        if noise.match(stripped):
            continue
        soft = soft_wrapped and bool(_TRAILING_SPACE.search(line))
        if lines and lines[-1].text.endswith(":") and spec.decision_alone.match(stripped):
            # "Title:" and, on a line of its own, "Upheld": one item header.
            lines[-1].text += " " + stripped
            lines[-1].soft = soft
        else:
            lines.append(_Line(stripped, paragraph_start, soft))
        paragraph_start = soft_wrapped and not soft and not stripped.endswith("-")
    return lines


def _join(lines: list[_Line]) -> str:
    """Hard-wrapped lines into paragraphs; a line-end hyphen stays (``long-term``)."""
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if line.paragraph_start and current:
            paragraphs.append(current)
            current = ""
        if not current:
            current = line.text
        elif current.endswith("-") and current[-2:-1].isalpha() and line.text[:1].isalpha():
            current += line.text
        else:
            current += " " + line.text
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


# ---------------------------------------------------------------------------------------
# Items under construction.


@dataclass
class _Item:
    number: int | None
    title: str
    decision: Decision | None
    fields: dict[str, list[_Line]] = field(default_factory=dict)
    label: str | None = None
    partial: dict[str, str] | None = None
    """A partially certified item: original_request, authorized, remainder."""

    def add(self, line: _Line) -> None:
        if self.label is not None:
            self.fields.setdefault(self.label, []).append(line)


_MAX_TITLE_LINES = 8


def _partial_certification(title: str) -> dict[str, str] | None:
    """ "X was the original request. Y was authorized ... the remaining ... portion, Z": the
    original request, the part authorized and the remainder IMR decides."""
    for pattern in _spec().partial_certification:
        match = pattern.match(title)
        if match:
            parts = {
                key: _clean_title(value.strip(" ,")) for key, value in match.groupdict().items()
            }
            if all(parts.values()):
                return parts
    return None


def _normal_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def _clean_title(title: str) -> str:
    return title.strip().strip('"\u201c\u201d').strip()


class _Assembler:
    """Walks the classified lines once, filling sections and items."""

    def __init__(self) -> None:
        self.spec = _spec()
        self.section = "header"
        self.sections: dict[str, list[_Line]] = {}
        self.items: list[_Item] = []
        self.current: _Item | None = None

    # Items -----------------------------------------------------------------------------

    def _focus(self, number: int | None, title: str, decision: Decision | None) -> _Item:
        title = _clean_title(title)
        partial = _partial_certification(title)
        if partial is not None:
            title = partial["remainder"]
        for item in self.items:
            same_number = number is not None and item.number == number
            same_title = _normal_title(item.title) == _normal_title(title)
            # A second mention (decision list, then details) continues the same item.
            if same_number or (same_title and (decision is None or not item.fields)):
                if item.decision is None:
                    item.decision = decision
                self.current = item
                return item
        item = _Item(number, title, decision, partial=partial)
        self.items.append(item)
        self.current = item
        return item

    def _decision(self, word: str | None) -> Decision | None:
        return self.spec.decision_words.get(word.lower()) if word else None

    def _title_start(self, line: _Line) -> str:
        """The first part of a title that wrapped, which the previous field (complete without
        it) or the section's preamble took in: in soft-wrapped text the header's whole
        paragraph; else a partial certification's sentences, or unterminated lines just
        before the header, in its paragraph."""
        if line.paragraph_start:
            return ""
        if self.current is None:
            lines = self.sections.get(self.section, []) if self.section == "decisions" else []
        elif self.current.label is not None:
            lines = self.current.fields.get(self.current.label, [])
        else:
            return ""
        taken: list[_Line] = []
        if lines and lines[-1].soft:
            # Soft-wrapped text: the title is the paragraph that ends with the header.
            for candidate in reversed(lines[-_MAX_TITLE_LINES:]):
                if not candidate.soft:
                    break
                taken.insert(0, candidate)
                if candidate.paragraph_start:
                    break
        else:
            taken = self._partial_start(lines)
        if not taken:
            for candidate in reversed(lines[-2:]):
                if _ENDS_SENTENCE.search(candidate.text):
                    break
                taken.insert(0, candidate)
                if candidate.paragraph_start:
                    break
        if not taken:
            return ""
        rest = lines[: len(lines) - len(taken)]
        if self.current is not None and _truncation(_notices(_join(rest))[0]) is not None:
            return ""  # the field would lose its ending: the lines are its own
        del lines[len(lines) - len(taken) :]
        return " ".join(part.text for part in taken) + " "

    def _partial_start(self, lines: list[_Line]) -> list[_Line]:
        """Where paragraphs are not marked by line ends: the lines of a partial certification
        ("X was the original request. ...") before its header, from a sentence's start."""
        spec = self.spec
        for count in range(1, min(_MAX_TITLE_LINES, len(lines)) + 1):
            taken = lines[-count:]
            before = lines[-count - 1] if count < len(lines) else None
            if before is not None and not (
                taken[0].paragraph_start or _ENDS_SENTENCE.search(before.text)
            ):
                continue
            joined = " ".join(line.text for line in taken)
            if spec.partial_marker.search(joined) and joined[:1].isupper():
                return list(taken)
        return []

    def _header(self, line: _Line) -> bool:
        spec = self.spec
        has_decision_word = spec.decision_word.search(line.text) is not None
        for pattern in spec.item_headers:
            if "decision" in pattern.groupindex and not has_decision_word:
                continue
            match = pattern.match(line.text)
            if not match or spec.title_exclusions.match(match["title"].strip()):
                continue
            groups = match.groupdict()
            number = int(groups["number"]) if groups.get("number") else None
            title = self._title_start(line) + groups["title"]
            item = self._focus(number, title, self._decision(groups.get("decision")))
            item.label = None
            return True
        return False

    def _statement(self, lines: list[_Line], index: int) -> int:
        """Multi-line decision sentences; returns how many lines were used (0: none)."""
        for statement in self.spec.statements:
            if not statement.start.match(lines[index].text):
                continue
            joined = ""
            for used, line in enumerate(lines[index : index + 5], start=1):
                if used > 1 and self._opens_something(line.text):
                    break
                joined = f"{joined} {line.text}".strip()
                match = statement.pattern.match(joined)
                if match:
                    groups = match.groupdict()
                    number = int(groups["number"]) if groups.get("number") else None
                    decision: Decision | None = None
                    if statement.decides:
                        decision = "Upheld" if groups.get("negated") else "Overturned"
                    self._focus(number, groups["title"], decision).label = None
                    return used
        return 0

    def _opens_something(self, line: str) -> bool:
        """A heading or a label ends a sentence that wraps over lines."""
        return bool(self.spec.sections.match(line) or self.spec.labels.match(line))

    def _decision_line(self, line: str) -> bool:
        for pattern in self.spec.decision_lines:
            match = pattern.match(line)
            if match:
                target = self.current
                if target is None or target.decision is not None:
                    undecided = [item for item in self.items if item.decision is None]
                    target = undecided[0] if len(undecided) == 1 else None
                if target is not None and target.decision is None:
                    target.decision = self._decision(match["decision"])
                return True
        return False

    # The walk --------------------------------------------------------------------------

    def run(self, lines: list[_Line]) -> None:
        spec = self.spec
        index = 0
        while index < len(lines):
            line = lines[index]
            text = line.text
            index += 1
            heading = spec.sections.match(text) or spec.section_with_rest.match(text)
            if heading:
                self.section = _which(heading, spec.section_names)
                if self.section != "decisions":
                    self.current = None
                rest = heading.groupdict().get("rest")
                if rest:
                    lines.insert(index, _Line(rest, True))
                continue
            label = spec.labels.match(text)
            if label:
                if self.current is None and len(self.items) == 1:
                    self.current = self.items[0]
                if self.current is None:
                    # A label with no item in hand: the letter names a single issue later.
                    self.current = self._focus(None, "", None)
                self.section = "decisions"
                self.current.label = _which(label, spec.label_names)
                self.current.fields.setdefault(self.current.label, [])
                if label["rest"]:
                    self.current.add(_Line(label["rest"], True))
                continue
            if self.section not in ("summary", "how_made", "qualifications"):
                if self._header(line) or self._decision_line(text):
                    continue
                used = self._statement(lines, index - 1)
                if used:
                    index += used - 1
                    continue
            if self.current is not None and self.section == "decisions":
                self.current.add(line)
            elif not spec.intros.match(text):
                self.sections.setdefault(self.section, []).append(line)

    def lines_of(self, *sections: str) -> str:
        """Line by line, for "Label: value" blocks whose ends are line ends; a value wrapped
        over lines (a soft wrap, or a line ending in "&", "," or "and") is one line."""
        lines = [line for name in sections for line in self.sections.get(name, [])]
        out = ""
        for line, following in zip(lines, [*lines[1:], None], strict=False):
            out += line.text
            wraps = line.soft or _CONTINUES.search(line.text)
            labelled = following is not None and _LABELLED.match(following.text)
            out += " " if wraps and not labelled else "\n"
        return out.rstrip()

    def text_of(self, *sections: str) -> str:
        lines = [line for name in sections for line in self.sections.get(name, [])]
        return _join(lines)


# ---------------------------------------------------------------------------------------
# Fields.


def _guideline(lines: list[_Line] | None) -> GuidelineLine | None:
    if not lines:
        return None
    spec = _spec()
    text = _join(lines).replace("\n\n", " ")
    parts = spec.guideline_statement.split(text)
    statements = [part.strip() for part in parts[1:]]
    if not statements and not spec.none_cited.search(text) and not spec.not_mtus.search(text):
        statements = [text.strip()]
    citations = []
    for statement in statements:
        statement = statement.strip().rstrip(".").strip()
        if not statement:
            continue
        non_mtus = spec.non_mtus.match(statement)
        if non_mtus:
            statement = statement[non_mtus.end() :]
            for prefix in spec.non_mtus_prefixes:
                statement = prefix.sub("", statement)
        elif re.match(r"^non-MTUS\b", statement, _FLAGS):
            non_mtus = True
            statement = re.sub(r"^non-MTUS\s*:?\s*", "", statement, flags=_FLAGS)
        pages = spec.pages.search(statement)
        citations.append(
            GuidelineCitation(
                basis="non_mtus" if non_mtus else "mtus",
                text=statement.strip(),
                pages=pages["pages"].strip(" ,") if pages else None,
                guidelines=[] if non_mtus else _mtus_guidelines(statement.strip()),
            )
        )
    none_cited = not citations
    mtus = [c.text for c in citations if c.basis == "mtus"]
    other = [f"Non-MTUS: {c.text}" for c in citations if c.basis == "non_mtus"]
    return GuidelineLine(
        text=text,
        summary="; ".join(mtus + other) if citations else "none cited",
        citations=citations,
        none_cited=none_cited,
        mtus_not_used=bool(spec.not_mtus.search(text)),
    )


def _notices(rationale: str) -> tuple[str, list[str]]:
    """The rationale without the standard notices it ends with, and their names."""
    found = []
    for name, pattern in _spec().notices.items():
        match = pattern.search(rationale)
        if match:
            found.append(name)
            rationale = (rationale[: match.start()] + rationale[match.end() :]).strip()
    return rationale, found


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_NUMBERED_SECTION = re.compile(r"^\d+(?:\.\d+)+\s")


def _mtus_guidelines(statement: str) -> list[CitedGuideline]:
    """ "MTUS Low Back Complaints 2004, Section(s): A, B, and Chronic Pain Medical Treatment
    2016, Section(s): C": each guideline with its year and sections."""
    spec = _spec()
    prefix = spec.mtus_prefix.match(statement)
    if not prefix:
        return []
    text = statement[prefix.end() :]
    parts, start = [], 0
    for separator in spec.mtus_separator.finditer(text):
        piece = text[start : separator.start()]
        # A part ends only once it has its year ("Forearm, Wrist, and Hand Complaints 2004").
        if _YEAR.search(piece) and _YEAR.search(text[separator.end() :].split(",")[0]):
            parts.append(piece)
            start = separator.end()
    parts.append(text[start:])
    found = []
    for part in parts:
        match = spec.mtus_part.match(part.strip().rstrip("."))
        if not match:
            return []
        found.append(
            CitedGuideline(
                guideline=" ".join(match["guideline"].split()),
                year=int(match["year"]),
                sections=_sections(match["sections"] or ""),
            )
        )
    return found


def _sections(text: str) -> list[str]:
    text = " ".join(text.split()).strip(" ,.")
    if not text:
        return []
    protected = _spec().section_names_with_commas
    kept: list[str] = []

    def hide(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = protected.sub(hide, text)
    numbered = bool(_NUMBERED_SECTION.match(text))
    splitter = r",\s+(?:and\s+)?(?=\d)" if numbered else r",\s+(?:and\s+)?(?=[A-Z0-9\x00])"
    sections = [part.strip() for part in re.split(splitter, text) if part.strip()]
    return [re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m[1])], part) for part in sections]


def _truncation(rationale: str) -> str | None:
    spec = _spec()
    if not rationale:
        return "the item has no rationale"
    if not spec.closing_punctuation.search(rationale):
        return "the rationale stops mid-sentence"
    if not spec.conclusion.search(rationale[-spec.conclusion_window :]):
        return "the rationale has no conclusion"
    return None


def _soft_joined(lines: list[_Line]) -> str:
    """Lines joined: a soft-wrapped line with a space, every other with a line break."""
    return "".join(line.text + (" " if line.soft else "\n") for line in lines)


def _header(lines: list[_Line]) -> LetterHeader:
    """ "Label: value" pairs; several may share a line, a label may wrap ("Application /
    Received:") and a value may stand on the next line."""
    spec = _spec()
    values: dict[str, Any] = {}
    text = _soft_joined(lines)
    matches = list(spec.header_fields.finditer(text))
    for match, following in zip(matches, [*matches[1:], None], strict=False):
        name = _which(match, spec.header_names)
        end = following.start() if following else len(text)
        value = next(
            (part.strip(" ,;") for part in text[match.end() : end].split("\n") if part.strip()),
            "",
        )
        if not value or name in values:
            continue
        if name in spec.header_dates:
            value = _date(value)
            if value is None:
                continue
        values[name] = value
    return LetterHeader(**values)


def _date(text: str) -> Any:
    try:
        return date_parser.parse(text, dayfirst=False).date()
    except (ValueError, OverflowError):
        return None


def _reviewer(text: str) -> Reviewer | None:
    if not text:
        return None
    rules = _spec().reviewer
    kind = next(
        (name for name, pattern in rules["kind"].items() if re.search(pattern, text, _FLAGS)),
        None,
    )

    def values(key: str, separators: str = r"\s*[;,]\s*") -> list[str]:
        found: list[str] = []
        for pattern in rules[key]:
            for match in re.finditer(pattern, text):
                for value in re.split(separators, match["value"].strip()):
                    value = " ".join(value.split()).rstrip(".")
                    if value and value not in found:
                        found.append(value)
            if found:
                break
        return found

    specialties = values("specialty") + values("subspecialty")
    licensure = values("licensure", rules["separators"])
    board_certified = bool(re.search(rules["board_certified"], text, _FLAGS)) or None
    if not (kind or specialties or licensure):
        return None
    return Reviewer(
        kind=kind or "expert_reviewer",
        specialties=specialties,
        licensure=licensure,
        board_certified=board_certified,
    )


def _patient(summary: str, header: LetterHeader) -> Patient:
    patient, _facts = extract_patient(summary)
    if patient.date_of_injury is None and header.date_of_injury is not None:
        patient = patient.model_copy(update={"date_of_injury": header.date_of_injury})
    return patient


# ---------------------------------------------------------------------------------------
# Public entry points.


def detect_layout(text: str) -> str:
    spec = _spec()
    upper = text.upper()
    for name, required in spec.layouts:
        if all(pattern.search(upper) for pattern in required):
            return name
    return spec.fallback


def is_openimr_draft(text: str) -> bool:
    """openimr's own draft letters, which are not published letters."""
    return all(pattern.search(text) for pattern in _spec().draft_markers)


def is_known_layout(layout: str) -> bool:
    return layout != _spec().fallback


def parse_letter_text(
    text: str, source: str = "<text>", *, demographics: bool = True
) -> LetterRecord:
    """Parse the text of one letter. Raises ``UserError`` when it is not a decided letter.

    ``demographics=False`` leaves the patient as the header states it: a letter read as a
    case has its demographics read by intake, with the rest of its facts."""
    layout = detect_layout(text)
    assembler = _Assembler()
    assembler.run(_lines(text))
    items = [item for item in assembler.items if item.title or item.decision]
    if layout == _spec().fallback and not any(item.decision for item in items):
        raise UserError(
            "does not look like an IMR Final Determination Letter "
            "(no known section headings and no decided items)",
            source=source,
        )
    if not any(item.decision for item in items):
        raise UserError("no decided items found in the letter", source=source)

    letter_items = []
    for number, item in enumerate(items, start=1):
        rationale, notices = _notices(_join(item.fields.get("rationale", [])))
        reviewer_guideline = _guideline(item.fields.get("reviewer_guideline"))
        reason = _truncation(rationale)
        letter_items.append(
            LetterItem(
                number=number,
                request=item.title,
                decision=item.decision,
                claims_administrator_guideline=_guideline(
                    item.fields.get("claims_administrator_guideline")
                ),
                reviewer_guideline=reviewer_guideline,
                non_mtus_citations=[
                    c.text
                    for c in (reviewer_guideline.citations if reviewer_guideline else [])
                    if c.basis == "non_mtus"
                ],
                rationale=rationale,
                notices=notices,
                partial_certification=PartialCertification(**item.partial)
                if item.partial
                else None,
                truncated=reason is not None,
                truncation_reason=reason,
            )
        )
    header = _header(assembler.sections.get("header", []))
    summary = assembler.text_of("summary")
    return LetterRecord(
        source=source,
        layout=layout,
        header=header,
        reviewer=_reviewer(assembler.lines_of("how_made", "qualifications")),
        patient=_patient(summary, header)
        if demographics
        else Patient(date_of_injury=header.date_of_injury),
        clinical_summary=summary,
        documents_reviewed=assembler.text_of("documents"),
        items=letter_items,
        truncated=any(item.truncated for item in letter_items),
    )


def parse_letter_file(path: Path, *, max_bytes: int = MAX_BYTES) -> LetterRecord:
    return parse_letter_text(read_document(path, max_bytes=max_bytes), source=str(path))
