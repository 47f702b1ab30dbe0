"""Published letters as data: one row per decided item, written to Parquet as it comes.

A row holds the letter's fields (source, layout, header, reviewer, patient), the item's fields
(number, request, decision, both guideline lines as structs, rationale, truncation) and derived
columns (``service_kind`` from the request title, ``service_category`` in the DWC reports'
vocabulary, and ``*_cited``: each guideline citation split into guideline, chapter, year and
section). The Arrow schema is derived from the pydantic models, so a field added to
``LetterRecord`` or ``LetterItem`` becomes a column without a change here.

Writing streams: rows are buffered up to one row group and written, so memory stays flat
whatever the number of letters. pyarrow's ``ParquetWriter`` writes them (measured against
Polars and DuckDB in bench/parse_scale.py; see the README).
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from openimr.intake.published.record import GuidelineLine, LetterItem, LetterRecord
from openimr.intake.requests import parse_request
from openimr.yamlload import load_yaml

ROW_GROUP = 4096
"""Rows per Parquet row group: the most rows held in memory while writing."""

LETTER_PARTS = ("header", "reviewer", "patient")
"""Nested models of a letter flattened into columns: ``header`` without a prefix, the others
prefixed (``reviewer_specialties``, ``patient_age``)."""


# --- the schema, from the models ------------------------------------------------------------


def _arrow_type(annotation: Any) -> pa.DataType:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            return _arrow_type(options[0])
        return pa.string()
    if origin is typing.Literal:
        return pa.string()
    if origin is list:
        (inner,) = typing.get_args(annotation)
        return pa.list_(_arrow_type(inner))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct(
            [pa.field(n, _arrow_type(f.annotation)) for n, f in annotation.model_fields.items()]
        )
    simple = {
        bool: pa.bool_(),
        int: pa.int64(),
        float: pa.float64(),
        str: pa.string(),
        dt.date: pa.date32(),
        dt.datetime: pa.timestamp("us"),
    }
    if annotation in simple:
        return simple[annotation]
    return pa.string()  # anything else is kept as its text


def _model_of(annotation: Any) -> type[BaseModel]:
    for option in (annotation, *typing.get_args(annotation)):
        if isinstance(option, type) and issubclass(option, BaseModel):
            return option
    raise TypeError(f"not a model: {annotation}")


CITED = pa.list_(
    pa.struct(
        [
            pa.field("guideline", pa.string()),
            pa.field("chapter", pa.string()),
            pa.field("year", pa.int32()),
            pa.field("section", pa.string()),
        ]
    )
)


@cache
def _columns() -> tuple[list[tuple[str, tuple[str, ...]]], pa.Schema]:
    """Each column's name and where its value is in a dumped record, and the schema."""
    places: list[tuple[str, tuple[str, ...]]] = []
    fields: list[pa.Field] = []
    letter_names: set[str] = set()
    for name, info in LetterRecord.model_fields.items():
        if name == "items":
            continue
        if name in LETTER_PARTS:
            part = _model_of(info.annotation)
            for inner, inner_info in part.model_fields.items():
                column = inner if name == "header" else f"{name}_{inner}"
                places.append((column, (name, inner)))
                fields.append(pa.field(column, _arrow_type(inner_info.annotation)))
                letter_names.add(column)
        else:
            places.append((name, (name,)))
            fields.append(pa.field(name, _arrow_type(info.annotation)))
            letter_names.add(name)
    for name, info in LetterItem.model_fields.items():
        column = f"item_{name}" if name in letter_names or name == "number" else name
        places.append((column, ("items", name)))
        fields.append(pa.field(column, _arrow_type(info.annotation)))
    fields += [
        pa.field("service_kind", pa.string()),
        pa.field("service_category", pa.string()),
        pa.field("claims_administrator_cited", CITED),
        pa.field("reviewer_cited", CITED),
        pa.field("reviewer_guideline_source", pa.string()),
    ]
    return places, pa.schema(fields)


def schema() -> pa.Schema:
    """The Arrow schema of an item row."""
    return _columns()[1]


# --- derived columns ------------------------------------------------------------------------


@cache
def service_categories() -> dict[str, str]:
    """Service kind -> DWC reporting category, from service_categories.yaml."""
    text = resources.files("openimr.corpus").joinpath("service_categories.yaml").read_text("utf-8")
    mapping: dict[str, str] = {}
    for category, kinds in load_yaml(text, keep=True)["categories"].items():
        for kind in kinds:
            if kind in mapping:
                raise ValueError(f"service_categories.yaml: {kind!r} is in two categories")
            mapping[kind] = category
    return mapping


def service_of(request: str) -> str:
    """The service kind of an item's title (``unknown`` when none is recognised)."""
    try:
        return parse_request(request).service
    except Exception:  # a title intake refuses (an impossible count) still has a row
        return "unknown"


_MTUS = re.compile(
    r"^(?:CA\s+)?MTUS\s+(?:\(?ACOEM\)?\s+)?(?P<chapter>.+?)(?:\s+Guidelines?)?"
    r"(?:\s+(?P<year>(?:19|20)\d\d))?(?:\s+Guidelines?)?(?:,\s*Section\(s\):\s*(?P<section>.*))?$",
    re.I | re.S,
)
_ODG = re.compile(r"\bODG\b|Official Disability Guidelines", re.I)
_ACOEM = re.compile(r"\bACOEM\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def cited(line: GuidelineLine | dict | None) -> list[dict[str, Any]]:
    """Each citation of a guideline line as guideline (MTUS, ODG, ACOEM, other), chapter,
    year and section, as far as the citation's text states them."""
    if line is None:
        return []
    citations = line["citations"] if isinstance(line, dict) else line.citations
    found = []
    for citation in citations:
        text = citation["text"] if isinstance(citation, dict) else citation.text
        text = " ".join(text.split())
        entry: dict[str, Any] = {"guideline": "other", "chapter": None, "year": None}
        entry["section"] = None
        if (match := _MTUS.match(text)) and _ODG.search(text) is None:
            entry["guideline"] = "MTUS"
            entry["chapter"] = match["chapter"].strip(" ,")
            entry["year"] = int(match["year"]) if match["year"] else None
            entry["section"] = (match["section"] or "").strip() or None
        else:
            if _ODG.search(text):
                entry["guideline"] = "ODG"
                rest = re.sub(r"^.*?(?:\(ODG\)|\bODG\b(?:\s+guidelines?)?)[\s,:-]*", "", text)
                chapter, _, section = rest.partition(",")
                entry["chapter"] = chapter.strip(" ()") or None
                entry["section"] = section.strip(" ()") or None
            elif _ACOEM.search(text):
                entry["guideline"] = "ACOEM"
            if year := _YEAR.search(text):
                entry["year"] = int(year.group())
        found.append(entry)
    return found


def guideline_source(line: GuidelineLine | dict | None) -> str:
    """The guideline the reviewer relied on, for grouping: ``MTUS <chapter>``, ``ODG``,
    ``ACOEM``, ``other`` or ``none`` (the first citation decides)."""
    entries = cited(line)
    if not entries:
        return "none"
    first = entries[0]
    if first["guideline"] == "MTUS":
        chapter = first["chapter"] or ""
        chapter = re.sub(r"\s+(?:Medical\s+)?(?:Treatment|Guidelines?)\b.*$", "", chapter)
        return f"MTUS {chapter}".strip()
    return first["guideline"]


# --- rows ------------------------------------------------------------------------------------


def _get(document: dict, path: tuple[str, ...]) -> Any:
    value: Any = document
    for key in path:
        if value is None:
            return None
        value = value.get(key)
    return value


def record_rows(record: LetterRecord) -> list[dict[str, Any]]:
    """One row per item of a letter, every field of the models included."""
    places, _ = _columns()
    document = record.model_dump(mode="python")
    letter = {column: _get(document, path) for column, path in places if path[0] != "items"}
    rows = []
    categories = service_categories()
    for item in document["items"]:
        row = dict(letter)
        for column, path in places:
            if path[0] == "items":
                row[column] = item.get(path[1])
        kind = service_of(item["request"])
        row["service_kind"] = kind
        row["service_category"] = categories.get(kind, "other")
        row["claims_administrator_cited"] = cited(item["claims_administrator_guideline"])
        row["reviewer_cited"] = cited(item["reviewer_guideline"])
        row["reviewer_guideline_source"] = guideline_source(item["reviewer_guideline"])
        rows.append(row)
    return rows


# --- writing ---------------------------------------------------------------------------------


class ParquetSink:
    """Rows in, a Parquet file out, one row group at a time."""

    def __init__(self, where: Path | Any, row_group: int = ROW_GROUP) -> None:
        self._writer = pq.ParquetWriter(where, schema(), compression="zstd")
        self._rows: list[dict[str, Any]] = []
        self._row_group = row_group
        self.rows = 0

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        self._rows.extend(rows)
        if len(self._rows) >= self._row_group:
            self.flush()

    def flush(self) -> None:
        if self._rows:
            self._writer.write_table(
                pa.Table.from_pylist(self._rows, schema=schema()),
                row_group_size=self._row_group,
            )
            self.rows += len(self._rows)
            self._rows = []

    def close(self) -> None:
        self.flush()
        self._writer.close()

    def __enter__(self) -> ParquetSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_parquet(records: Iterable[LetterRecord], where: Path) -> int:
    """Write records' rows to one Parquet file; returns the number of rows."""
    with ParquetSink(where) as sink:
        for record in records:
            sink.add(record_rows(record))
    return sink.rows


def part_name(index: int) -> str:
    """The file of one partition of a partitioned dataset, in order."""
    return f"part-{index:05d}.parquet"


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
