"""Load a guideline pack and refuse what cannot be trusted.

A pack is a folder: ``pack.yaml`` (name, version), ``predicates.yaml`` (the closed
criteria vocabulary), one YAML file per topic holding that topic's dated rules, and
``<topic>.cases.yaml`` golden cases beside each topic file. Every problem names the file
and the rule; the first problem is raised as a ``UserError`` (all are kept on it).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from openimr.errors import UserError
from openimr.fact_kinds import fact_kinds
from openimr.pack.answer_schema import TermsFile
from openimr.pack.schema import (
    CasesFile,
    GoldenCase,
    Node,
    PackInfo,
    PredicateDef,
    PredicateFile,
    Rule,
    RuleFile,
)
from openimr.yamlload import load_yaml

DEFAULT_PACK = "mtus"
PACK_FILE = "pack.yaml"
PREDICATES_FILE = "predicates.yaml"
TERMS_FILE = "terms.yaml"
"""Named word lists that predicate answers share."""
CASES_SUFFIX = ".cases.yaml"
DIAGNOSES = "diagnoses"


class PackError(UserError):
    """A pack that cannot be trusted. ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(problems[0] + more)


@dataclass
class Pack:
    info: PackInfo
    predicates: dict[str, PredicateDef]
    rules: list[Rule]
    cases: list[GoldenCase] = field(default_factory=list)
    terms: dict[str, list[str]] = field(default_factory=dict)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        close = difflib.get_close_matches(rule_id, [r.id for r in self.rules], n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `openimr guidelines list`"
        raise UserError(f"no rule {rule_id!r} in pack {self.info.name}{hint}")


def _explain(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top)"
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def _walk(folder: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            if not entry.name.startswith(("_", ".")):
                yield from _walk(entry, f"{name}/")
        elif entry.name.endswith((".yaml", ".yml")):
            yield name, entry


def _read(name: str, entry: Traversable, problems: list[str]) -> Any:
    try:
        return load_yaml(entry.read_text(encoding="utf-8"), keep=True)
    except yaml.YAMLError as exc:
        problems.append(f"{name}: not valid YAML: {' '.join(str(exc).split())}")
        return None


def _validate(model: type[BaseModel], data: Any, where: str, problems: list[str]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.append(f"{where}: {_explain(exc)}")
        return None


def pack_root(name: str = DEFAULT_PACK) -> Traversable:
    return resources.files("openimr").joinpath("packs", name)


def load_pack(root: Traversable | Path | str | None = None, *, with_cases: bool = True) -> Pack:
    """Load, validate and cross-check a pack (default: the bundled MTUS pack).

    ``with_cases=False`` skips the golden cases: reviewing needs the rules only."""
    folder: Traversable = (
        pack_root() if root is None else (Path(root) if isinstance(root, str) else root)
    )
    problems: list[str] = []
    files = dict(_walk(folder))
    info = None
    if PACK_FILE in files:
        info = _validate(
            PackInfo, _read(PACK_FILE, files[PACK_FILE], problems), PACK_FILE, problems
        )
    else:
        problems.append(f"{PACK_FILE}: missing from the pack folder {folder}")
    predicates: dict[str, PredicateDef] = {}
    if PREDICATES_FILE in files:
        data = _read(PREDICATES_FILE, files[PREDICATES_FILE], problems)
        parsed = _validate(PredicateFile, data, PREDICATES_FILE, problems)
        for predicate in parsed.predicates if parsed else []:
            if predicate.id in predicates:
                problems.append(f"{PREDICATES_FILE}: predicate {predicate.id!r} defined twice")
            predicates[predicate.id] = predicate
    else:
        problems.append(f"{PREDICATES_FILE}: missing from the pack folder {folder}")

    terms: dict[str, list[str]] = {}
    if TERMS_FILE in files:
        parsed_terms = _validate(TermsFile, _read(TERMS_FILE, files[TERMS_FILE], problems),
                                 TERMS_FILE, problems)  # fmt: skip
        terms = parsed_terms.terms if parsed_terms else {}
    _check_answers(predicates, terms, problems)

    rules: list[Rule] = []
    cases: list[GoldenCase] = []
    for name, entry in files.items():
        if name in (PACK_FILE, PREDICATES_FILE, TERMS_FILE):
            continue
        if name.endswith(CASES_SUFFIX):
            if with_cases:
                cases += _load_cases(name, entry, problems)
        else:
            rules += _load_rules(name, entry, problems)
    rules.sort(key=lambda r: r.id)
    cases.sort(key=lambda c: (c.source, c.id))

    _check_rules(rules, predicates, problems)
    _check_cases(cases, rules, predicates, files, problems)
    if problems:
        raise PackError(problems)
    assert info is not None
    return Pack(info=info, predicates=predicates, rules=rules, cases=cases, terms=terms)


def _check_answers(
    predicates: dict[str, PredicateDef], terms: dict[str, list[str]], problems: list[str]
) -> None:
    """Every answer reads fact kinds and fields that exist, builds on predicates that exist,
    and names term lists that exist."""
    kinds = fact_kinds()
    for predicate in predicates.values():
        answer = predicate.answered_by
        if answer is None:
            continue
        where = f"{PREDICATES_FILE}: predicate {predicate.id!r}: answered_by {answer.operator}"
        for kind, field_name in answer.facts():
            if kind not in kinds.kinds:
                problems.append(f"{where}: unknown fact kind {kind!r} (see fact_kinds.yaml)")
            elif field_name is not None and not kinds.has_field(kind, field_name):
                problems.append(f"{where}: fact kind {kind!r} has no field {field_name!r}")
        for other in answer.predicates():
            if other not in predicates:
                problems.append(f"{where}: unknown predicate {other!r}")
        for name in answer.term_lists():
            if name not in terms:
                problems.append(f"{where}: no term list {name!r} in {TERMS_FILE}")


def _load_rules(name: str, entry: Traversable, problems: list[str]) -> list[Rule]:
    data = _read(name, entry, problems)
    parsed = _validate(RuleFile, data, name, problems)
    if parsed is None:
        return []
    rules = []
    for index, raw in enumerate(parsed.rules):
        label = raw.get("id") if isinstance(raw, dict) else None
        where = f"{name}: rule {label or f'#{index + 1}'}"
        if isinstance(raw, dict) and ("topic" in raw or "source" in raw):
            problems.append(f"{where}: unknown key (topic and source come from the file)")
            continue
        rule = _validate(Rule, raw, where, problems)
        if rule is not None:
            rules.append(rule.model_copy(update={"topic": parsed.topic, "source": name}))
    return rules


def _load_cases(name: str, entry: Traversable, problems: list[str]) -> list[GoldenCase]:
    parsed = _validate(CasesFile, _read(name, entry, problems), name, problems)
    if parsed is None:
        return []
    return [case.model_copy(update={"source": name}) for case in parsed.cases]


def _check_leaf(node: Node, predicates: dict[str, PredicateDef], where: str) -> list[str]:
    definition = predicates.get(node.predicate or "")
    if definition is None:
        return [f"{where}: criterion {node.id!r} names unknown predicate {node.predicate!r}"]
    kind = definition.type
    uses_range = node.min is not None or node.max is not None
    if (kind == "number") != uses_range or (node.one_of is not None) != (kind in ("choice", "set")):
        return [
            f"{where}: criterion {node.id!r} compares {kind} predicate {definition.id!r} "
            "the wrong way (bool: expect; number: min/max; choice/set: one_of)"
        ]
    unknown = sorted(set(node.one_of or []) - set(definition.values))
    if unknown:
        return [f"{where}: criterion {node.id!r}: {unknown} not values of {definition.id!r}"]
    return []


def _check_rules(
    rules: list[Rule], predicates: dict[str, PredicateDef], problems: list[str]
) -> None:
    seen: dict[str, Rule] = {}
    diagnoses = set(predicates[DIAGNOSES].values) if DIAGNOSES in predicates else set()
    for rule in rules:
        where = f"{rule.source}: rule {rule.id}"
        if rule.id in seen:
            problems.append(f"{where}: id already used in {seen[rule.id].source}")
        seen[rule.id] = rule
        nodes = [rule.criteria] if rule.criteria else []
        nodes += [limit.when for limit in rule.limits if limit.when is not None]
        nodes += [exception.when for exception in rule.exceptions]
        for node in nodes:
            for leaf in node.leaves():
                problems += _check_leaf(leaf, predicates, where)
        for limit in rule.limits:
            if limit.predicate is not None:
                definition = predicates.get(limit.predicate)
                if definition is None or definition.type != "number":
                    problems.append(
                        f"{where}: limit {limit.id!r} needs a number predicate, "
                        f"not {limit.predicate!r}"
                    )
        ids = rule.criterion_ids()
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            problems.append(f"{where}: criterion ids used twice: {duplicates}")
        for exception in rule.exceptions:
            missing = sorted(set(exception.lifts) - set(ids))
            if missing:
                problems.append(f"{where}: exception {exception.id!r} lifts unknown {missing}")
        unknown = sorted(set(rule.applies_to.conditions) - diagnoses)
        if unknown:
            problems.append(f"{where}: conditions {unknown} are not values of {DIAGNOSES!r}")
    _check_overlaps(rules, problems)
    if rules and not any(rule.catch_all for rule in rules):
        problems.append("pack: no catch-all rule (catch_all: true) for services no rule covers")


def _check_overlaps(rules: list[Rule], problems: list[str]) -> None:
    """Two editions of one topic, for the same scope, may not be in force on the same day."""
    # Only rules of one topic and scope can clash: each compared with the later ones of its
    # group, in the order of the list (the pairs, and so the problems, in the same order).
    groups: dict[tuple[Any, ...], list[int]] = {}
    for index, rule in enumerate(rules):
        groups.setdefault((rule.topic, rule.applies_to.scope_key()), []).append(index)
    for index, rule in enumerate(rules):
        group = groups[(rule.topic, rule.applies_to.scope_key())]
        for other in (rules[j] for j in group if j > index):
            overlap = any(
                mine.overlaps(theirs) for mine in rule.ranges() for theirs in other.ranges()
            )
            if overlap:
                problems.append(
                    f"{other.source}: rule {other.id}: effective dates overlap rule {rule.id} "
                    f"({rule.source}) for the same topic {rule.topic!r} and scope"
                )


def _check_cases(
    cases: list[GoldenCase],
    rules: list[Rule],
    predicates: dict[str, PredicateDef],
    files: dict[str, Traversable],
    problems: list[str],
) -> None:
    by_id = {rule.id: rule for rule in rules}
    seen: set[tuple[str, str]] = set()
    for case in cases:
        where = f"{case.source}: case {case.id}"
        topic_file = case.source.removesuffix(CASES_SUFFIX) + ".yaml"
        if topic_file not in files:
            problems.append(f"{where}: no rule file {topic_file} beside it")
        if (case.source, case.id) in seen:
            problems.append(f"{where}: case id used twice")
        seen.add((case.source, case.id))
        rule = by_id.get(case.expect.rule)
        if rule is None:
            # A rule that failed to load has already been reported; say nothing twice.
            if not any(p.startswith(f"{topic_file}: ") for p in problems):
                problems.append(f"{where}: expects unknown rule {case.expect.rule!r}")
            continue
        unknown = sorted(set(case.facts) - set(predicates))
        if unknown:
            problems.append(f"{where}: facts name unknown predicates {unknown}")
        for key, value in sorted(case.facts.items()):
            definition = predicates.get(key)
            if definition is not None and not _fits(definition, value):
                problems.append(f"{where}: fact {key}={value!r} is not a {definition.type}")
        missing = sorted(set(case.expect.criteria) - set(rule.criterion_ids()))
        if missing:
            problems.append(f"{where}: expects criteria {missing} that rule {rule.id} lacks")


def _fits(definition: PredicateDef, value: Any) -> bool:
    if definition.type == "bool":
        return isinstance(value, bool)
    if definition.type == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if definition.type == "choice":
        return value in definition.values
    return isinstance(value, list) and set(value) <= set(definition.values)
