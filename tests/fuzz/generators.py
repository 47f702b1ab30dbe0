"""Fuzz inputs, shared by the tests in this folder and by ``bench/fuzz.py``.

Every generator is a function of a ``random.Random`` (hypothesis passes its own through
``st.randoms(use_true_random=False)``, the long run a seeded one), so one input is rebuilt
exactly from the seed that made it. A generator returns a ``FuzzInput``: the bytes of one
file, the suffix it is saved with, and which openimr target reads it.

Kinds: json, yaml, jsonl (case files), text (a .txt case file), letter (a .txt published
letter), pdf (a .pdf case file or letter).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CRASHERS = HERE / "crashers"
SEEDS = HERE.parents[2] / "shared" / "corpus" / "seeds"
GOLDEN = HERE.parent / "review" / "golden"


@dataclass
class FuzzInput:
    kind: str
    """json, yaml, jsonl, text, letter or pdf: what made it (the report counts by kind)."""
    suffix: str
    data: bytes
    target: str = "case"
    """case: load_case (and review); letter: parse_letter_file; jsonl: the review batch."""
    mutation: str = ""
    """The mutations applied, for the report."""
    review: bool = True
    """Whether a case that loads is also reviewed (the expensive part)."""
    tags: list[str] = field(default_factory=list)


# --- seeds ------------------------------------------------------------------------------


@cache
def seed_letters() -> tuple[str, ...]:
    """The published seed letters (``shared/corpus/seeds/*.txt``), and the layout fixtures."""
    paths = sorted(SEEDS.glob("*.txt")) + sorted((HERE.parent / "corpus/fixtures").glob("*.txt"))
    texts = tuple(p.read_text(encoding="utf-8") for p in paths)
    return texts or ("CLINICAL CASE SUMMARY\nA 40-year-old man hurt his back.\n",)


def _summary_of(letter: str) -> str:
    start = letter.find("medical records:")
    end = letter.find("IMR ISSUES, DECISIONS AND RATIONALES")
    if start < 0 or end < start:
        return letter[:2000]
    return " ".join(letter[start + len("medical records:") : end].split())


@cache
def valid_cases() -> tuple[dict[str, Any], ...]:
    """Valid case files: the golden review cases and the seed letters' summaries."""
    cases: list[dict[str, Any]] = [
        {
            "case_id": "CM14-0001",
            "decision_date": "2014-06-01",
            "clinical_summary": "A 45-year-old male injured his low back on 01/02/2013. "
            "He has completed 12 sessions of physical therapy. Diagnoses: lumbar strain.",
            "records": [
                {"date": "2014-05-01", "kind": "progress note", "text": "Low back pain 7/10."}
            ],
            "requests": [
                {"text": "Chiropractic 2x4 lumbar", "claims_administrator_guideline": "MTUS"}
            ],
        },
        {"case_id": "min", "requests": [{"text": "MRI lumbar spine"}]},
    ]
    for path in sorted(GOLDEN.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")).get("cases", []):
            day = case.get("decision_date")
            cases.append(
                {
                    "case_id": case["id"],
                    "decision_date": day.isoformat() if isinstance(day, dt.date) else day,
                    "clinical_summary": case.get("summary", ""),
                    "requests": [{"text": r["title"]} for r in case.get("requests", [])],
                }
            )
    for number, letter in enumerate(seed_letters()[:5]):
        cases.append(
            {
                "case_id": f"seed-{number}",
                "ur_denial_date": "2014-03-11",
                "date_of_injury": "08/10/2010",
                "clinical_summary": _summary_of(letter),
                "records": [{"date": "June 1, 2014", "text": _summary_of(letter)[:400]}],
                "requests": [
                    {"text": "Acupuncture 1 x week x 4 months lumbar spine"},
                    {"text": "Norco 10/325 #120", "claims_administrator_guideline": "MTUS"},
                ],
            }
        )
    return tuple(cases)


# --- the awkward values -------------------------------------------------------------------

IMPOSSIBLE_DATES = [
    "2014-02-30", "2014-13-01", "2014-00-10", "2014-06-31", "2014-06-00", "0000-00-00",
    "9999-99-99", "2013-02-29", "02/30/2014", "13/45/2014", "00/00/0000", "February 30, 2014",
    "2014-1-1", "20140230", "2014-W60-9", "+2014-01-01", "-0001-01-01", "2014-02-30T25:61:61",
    "99999-01-01", "1-1-1", "2014/13/01", "June 99999999999999999999, 2014", "Jun 4294967296 2014",
]  # fmt: skip
OVERFLOWING_DATES = [
    "June 99999999999999999999, 2014", "Jun 4294967296 2014", "2014 March 9223372036854775808",
    "Jun6734567890 2014", "the 18446744073709551616th of May, 2015",
]  # fmt: skip
"""Dates in words whose day is past a C long."""
ODD_STRINGS = [
    "", " ", "\x00", "\ud800", "\udfff", "a\ud83d", "\ud800\udc00", "\u2028", "\u2029", "\u0085",
    "\x0b\x0c\x1c\x1d\x1e", "\r", "\r\n", "\t", "\ufeff", "\u200b", "\u202e", "\U0001f600",
    "Ã¢â‚¬â„¢", "Â§Â§", "ﬁ", "\u0301" * 50, "%s%n", "{0}", "${x}", "<script>", "\\", '"',
    "Request: MRI", "CLINICAL CASE SUMMARY", "IMR ISSUES, DECISIONS AND RATIONALES",
]  # fmt: skip
HUGE_NUMBERS = [
    "1" + "0" * 5000, "-" + "9" * 4301, "1e999", "-1e999", "1e-999", "NaN", "Infinity",
    "-Infinity", "1" * 400 + ".5", "0." + "0" * 400 + "1", "123456789012345678901234567890",
    "9" * 4300, "-0", "1E+400",
]  # fmt: skip
HUGE_INTEGERS = ["1" + "0" * 4300, "-" + "9" * 4301, "7" * 10_000, "1" + "0" * 100_000]
"""Over Python's 4,300-digit limit for int() from text."""
JSON_TOKENS = [
    '"\\ud800"', '"\\udc00x"', '"\\ud800\\ud800"', '"\\u0000"', '"\\u2028"', "null", "true",
    "[]", "{}", '"', ",", ":", "[" * 50, "{" * 50, '"\\', "\\u12", "\x00", "\xff",
    *HUGE_NUMBERS,
]  # fmt: skip


def _odd_value(rnd: random.Random) -> Any:
    """A value of the wrong type or an awkward one of the right type."""
    choice = rnd.randrange(12)
    if choice == 0:
        return rnd.choice(IMPOSSIBLE_DATES)
    if choice == 1:
        return rnd.choice(ODD_STRINGS) * rnd.choice([1, 1, 3, 200])
    if choice == 2:
        return rnd.choice([0, -1, 1, 2**63, -(2**64), 10**30, 10**300, 1.5, float("inf")])
    if choice == 3:
        return rnd.choice([None, True, False])
    if choice == 4:
        return rnd.choice([[], {}, [1], ["x"], {"a": 1}, [[]], {"text": None}])
    if choice == 5:
        return "x" * rnd.choice([1000, 100_000])
    if choice == 6:
        return rnd.choice(["2014-06-01", "06/01/2014", "June 1, 2014", "yesterday", "2014"])
    if choice == 7:
        return _random_text(rnd, rnd.randrange(1, 60))
    if choice == 8:
        # a string with a surrogate or a line separator somewhere inside
        text = _random_text(rnd, rnd.randrange(0, 30))
        at = rnd.randrange(len(text) + 1)
        return text[:at] + rnd.choice(["\ud800", "\udfff", "\u2028", "\u0085", "\x00"]) + text[at:]
    if choice == 9:
        return rnd.choice(
            ["MRI lumbar spine", "Norco 10/325mg #120", "PT 2x6", "EMG/NCV", "TENS", "x"]
        )
    if choice == 10:
        return {"text": rnd.choice(["MRI", "\ud800", "", 5])}
    return rnd.choice([dt.date(2014, 6, 1).isoformat(), "2014-06-01T10:00:00", "2014-06-01 "])


ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789      .,:;/-()#%\n\t"
    "§é—’“”•\u00a0\u2028\u0085\ufeff\x00\x0c\r"
)


def _random_text(rnd: random.Random, size: int) -> str:
    if rnd.random() < 0.1:
        return "".join(chr(rnd.randrange(0x20, 0x2FFFF)) for _ in range(size)).replace(
            "\ud800", "?"
        )
    return "".join(rnd.choice(ALPHABET) for _ in range(size))


# --- structured mutations (on the parsed case) -------------------------------------------


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON-like value, as a path of keys and indexes."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _get(value: Any, path: tuple) -> Any:
    for part in path:
        value = value[part]
    return value


def _set(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    _get(value, path[:-1])[path[-1]] = new
    return value


def nest(value: Any, depth: int, rnd: random.Random) -> Any:
    for _ in range(depth):
        value = [value] if rnd.random() < 0.5 else {"a": value}
    return value


FIELDS = ["case_id", "decision_date", "ur_denial_date", "date_of_injury", "clinical_summary",
          "records", "requests"]  # fmt: skip
DATE_FIELDS = ["decision_date", "ur_denial_date", "date_of_injury", "records.date"]
STRING_FIELDS = [
    "case_id", "clinical_summary", "requests.text", "requests.claims_administrator_guideline",
    "records.text", "records.kind",
]  # fmt: skip


def set_field(case: dict[str, Any], name: str, value: Any, rnd: random.Random) -> str:
    """Put value into a top-level field or into one request/record ("requests.text")."""
    top, _, sub = name.partition(".")
    if not sub:
        case[top] = value
        return name
    items = case.get(top)
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        items = case[top] = [{"text": "MRI lumbar spine"}]
    index = rnd.randrange(len(items))
    items[index][sub] = value
    return f"{top}[{index}].{sub}"


def mutate_case(case: dict[str, Any], rnd: random.Random, family: str | None = None) -> tuple:
    """A mutated deep copy of a valid case and the name of the mutation."""
    case = json.loads(json.dumps(case))
    family = family or rnd.choice(
        ["value", "value", "date", "surrogate", "separator", "drop", "extra", "nest", "huge",
         "type", "many"]
    )  # fmt: skip
    if family == "date":
        where = set_field(case, rnd.choice(DATE_FIELDS), rnd.choice(IMPOSSIBLE_DATES), rnd)
        return case, f"impossible date in {where}"
    if family == "surrogate":
        text = rnd.choice(["\ud800", "\udfff", "x\udc80y", "\ud83d"])
        where = set_field(case, rnd.choice(STRING_FIELDS), text, rnd)
        return case, f"lone surrogate in {where}"
    if family == "separator":
        where = rnd.choice(STRING_FIELDS)
        sep = rnd.choice(["\u2028", "\u2029", "\u0085", "\x1c", "\x1d", "\x1e", "\x0b", "\x0c"])
        where = set_field(case, where, f"MRI{sep}lumbar spine {sep}", rnd)
        return case, f"line separator in {where}"
    if family == "drop":
        key = rnd.choice(FIELDS)
        case.pop(key, None)
        return case, f"no {key}"
    if family == "extra":
        case[rnd.choice(["extra", "Case_ID", "", "requests ", "\ud800"])] = _odd_value(rnd)
        return case, "unknown field"
    if family == "nest":
        depth = rnd.choice([5, 50, 300])  # deeper ones are written as text: _deep_text
        where = rnd.choice(FIELDS)
        case[where] = nest(case.get(where), depth, rnd)
        return case, f"{where} nested {depth} deep"
    if family == "huge":
        where = set_field(case, rnd.choice(FIELDS + DATE_FIELDS), 10**50, rnd)
        return case, f"huge number in {where}"
    if family == "type":
        where = set_field(case, rnd.choice(FIELDS + STRING_FIELDS + DATE_FIELDS), _odd_value(rnd),
                          rnd)  # fmt: skip
        return case, f"wrong type in {where}"
    if family == "many":
        for _ in range(rnd.randrange(2, 6)):
            if not isinstance(case, dict):
                break
            case, _name = mutate_case(case, rnd, rnd.choice(["value", "date", "drop", "extra"]))
        return case, "several mutations"
    # value: anywhere in the tree
    paths = _paths(case)
    path = rnd.choice(paths)
    case = _set(case, path, _odd_value(rnd))
    return case, "odd value at " + ".".join(map(str, path))


# --- byte mutations ----------------------------------------------------------------------


def mutate_bytes(data: bytes, rnd: random.Random, tokens: list[str] | None = None) -> tuple:
    """Flip, cut, insert, duplicate: the mutated bytes and the name of the mutation."""
    data = bytearray(data)
    names = []
    for _ in range(rnd.choice([1, 1, 1, 2, 3, 8])):
        op = rnd.choice(["flip", "flip", "truncate", "insert", "delete", "duplicate", "token",
                         "byte"])  # fmt: skip
        if not data:
            data = bytearray(b"{")
        at = rnd.randrange(len(data) + 1)
        if op == "flip" and at < len(data):
            data[at] ^= 1 << rnd.randrange(8)
        elif op == "byte" and at < len(data):
            data[at] = rnd.randrange(256)
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 8)))
        elif op == "delete":
            del data[at : at + rnd.randrange(1, 64)]
        elif op == "duplicate":
            data[at:at] = data[at : at + rnd.randrange(1, 200)] * rnd.randrange(1, 4)
        elif op == "token":
            token = rnd.choice(tokens or JSON_TOKENS)
            data[at:at] = token.encode("utf-8", "surrogatepass")
        names.append(op)
    return bytes(data), "bytes: " + ",".join(names)


def dump_json(value: Any, rnd: random.Random) -> bytes:
    text = json.dumps(value, ensure_ascii=rnd.random() < 0.7, indent=rnd.choice([None, 2]))
    return text.encode("utf-8", "surrogatepass")


def _deep_text(rnd: random.Random, yaml_flow: bool = False) -> str:
    depth = rnd.choice([100, 999, 1000, 1001, 5000, 50_000])
    opener, closer = rnd.choice([("[", "]"), ('{"a":', "}")] if not yaml_flow else [("[", "]")])
    inner = opener * depth + "1" + closer * depth
    return '{"case_id": "deep", "requests": [{"text": "MRI"}], "records": ' + inner + "}"


# --- JSON ---------------------------------------------------------------------------------


def gen_json(rnd: random.Random, family: str | None = None) -> FuzzInput:
    """A JSON case file: a valid case, mutated in its values or in its bytes."""
    case = rnd.choice(valid_cases())
    family = family or rnd.choice(["valid", "tree", "tree", "tree", "bytes", "bytes", "deep",
                                   "number", "top"])  # fmt: skip
    if family == "valid":
        return FuzzInput("json", ".json", dump_json(case, rnd), mutation="valid")
    if family == "tree":
        mutated, name = mutate_case(case, rnd)
        return FuzzInput("json", ".json", dump_json(mutated, rnd), mutation=name)
    if family == "deep":
        return FuzzInput("json", ".json", _deep_text(rnd).encode(), mutation="deep nesting")
    if family in ("number", "huge_int"):
        number = rnd.choice(HUGE_NUMBERS if family == "number" else HUGE_INTEGERS)
        field_name = rnd.choice([*FIELDS, "records[0].date", "requests[0].text"])
        text = json.dumps(dict(case, **{"case_id": "__N__"}) if field_name == "case_id" else case)
        if field_name == "case_id":
            text = text.replace('"__N__"', number)
        else:
            text = text.replace('"requests": [', f'"{field_name}": {number}, "requests": [', 1)
        return FuzzInput("json", ".json", text.encode(), mutation=f"number {number[:12]}")
    if family == "top":
        text = rnd.choice(['[]', '"x"', "1", "null", "[{}]", "\ufeff{}", "{}", " ", "\ufeff",
                           '{"case_id": "a"}{"case_id": "b"}', '{"requests": {}}'])  # fmt: skip
        return FuzzInput("json", ".json", text.encode("utf-8"), mutation="top level")
    mutated, name = mutate_bytes(dump_json(case, rnd), rnd)
    return FuzzInput("json", ".json", mutated, mutation=name)


# --- YAML ---------------------------------------------------------------------------------

YAML_TOKENS = [
    "2014-13-01", "2014-02-30", "2001-12-14t21:59:43.10-05:00", "2014-06-01 25:00:00",
    "&a", "*a", "*undefined", "!!python/object:os.system", "!!binary", "!!timestamp",
    "!!float", "!!set", "!!omap", "!custom", "<<: *a", "? ", "---", "...", "%YAML 1.1\n",
    ".inf", ".nan", "~", "0o777", "0x_ff", "1_000", "190:20:30", "\t", ": ", "- ", "|", ">",
    "'", '"', "#", "{", "[", "\ud800", "\u2028", "\u0085",
]  # fmt: skip

YAML_DOCS = [
    "case_id: 2014-13-01\nrequests:\n  - text: MRI lumbar\n",
    "case_id: x\ndecision_date: 2014-02-30\nrequests:\n  - text: MRI lumbar\n",
    "case_id: x\nrecords:\n  - date: 2014-06-31\n    text: note\nrequests:\n  - text: MRI\n",
    "case_id: x\ndate_of_injury: 2001-12-14t21:59:43.10-05:00\nrequests:\n  - text: MRI\n",
    "case_id: x\ndecision_date: 2014-06-01 10:00:00\nrequests:\n  - text: MRI\n",
    "case_id: x\nrequests:\n  - text: 2014-13-01\n",
    "case_id: x\nrequests:\n  - text: MRI\n    claims_administrator_guideline: 2014-00-01\n",
    "case_id: 2014-01-01\nrequests:\n  - text: MRI\n",
    "base: &b {text: MRI lumbar}\ncase_id: x\nrequests: [*b, *b]\n",
    "case_id: x\nrequests: &r [{text: MRI}, *r]\n",
    "case_id: &c x\nclinical_summary: *c\nrequests:\n  - {text: *c}\n",
    "case_id: x\nrequests:\n  - <<: {text: MRI}\n    claims_administrator_guideline: MTUS\n",
    "case_id: x\nrequests:\n  - !!python/object:os.system {text: MRI}\n",
    "case_id: !!binary aGVsbG8=\nrequests:\n  - text: MRI\n",
    "case_id: !!binary //79\nrequests:\n  - text: MRI\n",
    "case_id: !custom x\nrequests:\n  - text: MRI\n",
    "case_id: x\nrequests: !!set {a, b}\n",
    "case_id: x\nrequests: !!omap [{text: MRI}]\n",
    "case_id: x\nrequests:\n  - text: !!float 1e999\n",
    "case_id: x\ndecision_date: !!timestamp 2014-06-01\nrequests:\n  - text: MRI\n",
    "case_id: x\ndecision_date: !!timestamp 2014-99-01\nrequests:\n  - text: MRI\n",
    "case_id: .nan\nrequests:\n  - text: .inf\n",
    "? [a, b]\n: x\ncase_id: x\nrequests:\n  - text: MRI\n",
    "? {a: 1}\n: x\n",
    "case_id: x\nrequests:\n  - text: MRI\n---\ncase_id: y\n",
    "%YAML 1.1\n---\ncase_id: x\nrequests:\n  - text: MRI\n",
    "case_id: x\ncase_id: y\nrequests:\n  - text: MRI\n",
    "case_id: x\nrequests:\n  - text: MRI\n    text: CT\n",
    "case_id: 0o777\nrequests:\n  - text: 190:20:30\n",
    "case_id: x\nrequests:\n  - text: \"MRI \\ud800\"\n",
    "case_id: x\nrequests:\n  - text: \"MRI \\udfff lumbar\"\n"
    "    claims_administrator_guideline: MTUS\n",
    "case_id: x\nclinical_summary: \"a\\u2028b\\x85c\"\nrequests:\n  - text: MRI\n",
    "case_id: x\nrequests:\n  - text: *undefined\n",
    "case_id: x\nrequests:\n- text: MRI\n\t- text: CT\n",
]  # fmt: skip


def billion_laughs(levels: int, width: int) -> str:
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"case_id: x\nrecords: *a{levels - 1}\nrequests: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def gen_yaml(rnd: random.Random, family: str | None = None) -> FuzzInput:
    """A YAML case file: a valid case, mutated; plus timestamps, anchors, aliases and tags."""
    case = rnd.choice(valid_cases())
    family = family or rnd.choice(["valid", "tree", "tree", "bytes", "bytes", "special",
                                   "special", "token", "deep", "laughs", "date"])  # fmt: skip
    if family == "valid":
        text = yaml.safe_dump(case, allow_unicode=rnd.random() < 0.5, sort_keys=False)
        return FuzzInput("yaml", ".yaml", text.encode(), mutation="valid")
    if family == "tree":
        mutated, name = mutate_case(case, rnd)
        text = yaml.safe_dump(mutated, allow_unicode=rnd.random() < 0.5)
        return FuzzInput("yaml", ".yaml", text.encode("utf-8", "surrogatepass"), mutation=name)
    if family == "date":
        # an unquoted impossible or odd timestamp in any field
        where = rnd.choice([*FIELDS[:4], "records[0].date", "requests[0].text"])
        day = rnd.choice(["2014-13-01", "2014-02-30", "2014-00-01", "2014-06-31", "0000-01-01",
                          "2014-06-01 25:61:00", "2014-6-1", "2014-02-29t10:00:00Z",
                          "2014-06-01", "2001-12-14 21:59:43.10 -5"])  # fmt: skip
        lines = [f"case_id: {day if where == 'case_id' else 'x'}"]
        if where in FIELDS[1:4]:
            lines.append(f"{where}: {day}")
        lines.append("records:\n  - date: " + (day if where == "records[0].date" else "null"))
        lines.append("    text: note")
        lines.append("requests:\n  - text: " + (day if where == "requests[0].text" else "MRI"))
        text = "\n".join(lines) + "\n"
        return FuzzInput("yaml", ".yaml", text.encode(), mutation=f"timestamp {day} in {where}")
    if family == "special":
        text = rnd.choice(YAML_DOCS)
        return FuzzInput("yaml", ".yaml", text.encode("utf-8", "surrogatepass"), mutation="yaml")
    if family == "deep":
        depth = rnd.choice([100, 999, 1000, 5000])
        text = (
            "case_id: deep\nrequests:\n  - text: MRI\nrecords: "
            + rnd.choice(["[" * depth + "]" * depth, "{a: " * depth + "1" + "}" * depth])
            + "\n"
        )
        if rnd.random() < 0.3:  # block style
            text = "".join("  " * i + "a:\n" for i in range(min(depth, 600))) + "  " * 600 + "1\n"
        return FuzzInput("yaml", ".yaml", text.encode(), mutation=f"nested {depth} deep")
    if family == "laughs":
        text = billion_laughs(rnd.choice([3, 5, 9]), rnd.choice([2, 9]))
        return FuzzInput("yaml", ".yaml", text.encode(), mutation="billion laughs")
    text = yaml.safe_dump(case, sort_keys=False).encode()
    tokens = YAML_TOKENS if family == "token" else JSON_TOKENS + YAML_TOKENS
    mutated, name = mutate_bytes(text, rnd, tokens)
    return FuzzInput("yaml", ".yaml", mutated, mutation=name)


# --- JSON Lines ---------------------------------------------------------------------------


def gen_jsonl(rnd: random.Random, family: str | None = None) -> FuzzInput:
    """A JSON Lines batch: valid cases with some bad lines among them."""
    lines: list[bytes] = []
    names = []
    for _ in range(rnd.randrange(1, 6)):
        case = rnd.choice(valid_cases())
        roll = rnd.random() if family is None else {"valid": 1.0, "bad": 0.0}.get(family, 0.5)
        if family == "separator" or (family is None and roll < 0.15):
            # a raw U+2028 / U+0085 inside a JSON string: valid JSON, one line
            case = dict(case, clinical_summary="before\u2028after\u0085end\u2029.")
            lines.append(json.dumps(case, ensure_ascii=False).encode())
            names.append("separator")
        elif roll < 0.25:
            line = gen_json(rnd, rnd.choice(["deep", "number", "top"]))
            lines.append(line.data.replace(b"\n", b" "))
            names.append(line.mutation)
        elif roll < 0.55:
            mutated, name = mutate_case(case, rnd)
            lines.append(dump_json(mutated, rnd).replace(b"\n", b" "))
            names.append(name)
        elif roll < 0.75:
            mutated, name = mutate_bytes(json.dumps(case).encode(), rnd)
            lines.append(mutated)
            names.append(name)
        else:
            lines.append(json.dumps(case).encode())
            names.append("valid")
        if rnd.random() < 0.1:
            lines.append(rnd.choice([b"", b"   ", b"\t", b"[]", b"null", b"\xff\xfe", b"{"]))
    newline = rnd.choice([b"\n", b"\n", b"\r\n", b"\r"])
    data = newline.join(lines) + (newline if rnd.random() < 0.7 else b"")
    if rnd.random() < 0.05:
        data = b"\xef\xbb\xbf" + data
    return FuzzInput("jsonl", ".jsonl", data, target="jsonl", mutation="; ".join(names))


# --- plain text case files and letters ----------------------------------------------------

TEXT_LINES = [
    "Request: MRI lumbar spine", "Requested: Norco 10/325 #120", "Disputed item: PT 2x6",
    "RFA: TENS unit", "Item 3 - Acupuncture x6", "Request:", "Request: \ud800",
    "Case ID: CM14-0001", "Case number: ", "Decision date: 2014-06-01",
    "Decision date: 2014-02-30", "Decision date: 2014-13-01", "Decision date: 13/45/2014",
    "Decision date: February 30, 2014", "Decision date: 99999-01-01", "Decision date: tomorrow",
    "Decision date: June 99999999999999999999, 2014",
    "CLINICAL CASE SUMMARY", "IMR ISSUES, DECISIONS AND RATIONALES", "FINAL DETERMINATION",
    "HOW THE IMR FINAL DETERMINATION WAS MADE", "Date of Injury: 02/30/2014",
    "Date of injury: 13/01/2014", "Date Assigned: 13/45/2014", "UR Denial Date: 2014-00-00",
    "Date Assigned: 2/29/2013", "Case Number: CM14-0001", "Claim Number: 123",
    "1) MAXIMUS Federal Services, Inc. has determined the request for MRI is not medically "
    "necessary", "Decision rationale:", "MAXIMUS guideline: Decision based on MTUS",
    "Claims Administrator guideline: Decision based on MTUS", "DETERMINATION: UPHELD",
    "Upheld", "Overturned", "Page(s): 99999999999999999999", "The patient is a 999-year-old",
    "The patient is a 45-year-old male who injured his back on 02/30/2014.",
    "Age: 1" + "0" * 30, "\u2028", "\u0085", "\f", "\x00", "",
]  # fmt: skip


def _text_case(rnd: random.Random) -> str:
    case = rnd.choice(valid_cases())
    lines = [f"Case ID: {case['case_id']}"]
    if case.get("decision_date"):
        lines.append(f"Decision date: {case['decision_date']}")
    lines += [case.get("clinical_summary", ""), ""]
    lines += [f"Request: {r['text']}" for r in case["requests"]]
    return "\n".join(lines) + "\n"


def mutate_lines(text: str, rnd: random.Random, vocabulary: list[str]) -> tuple[str, str]:
    lines = text.split("\n")
    names = []
    for _ in range(rnd.randrange(1, 8)):
        op = rnd.choice(["delete", "duplicate", "swap", "insert", "insert", "chars", "cut"])
        at = rnd.randrange(len(lines) + 1)
        if op == "delete":
            del lines[at : at + rnd.randrange(1, 10)]
        elif op == "duplicate":
            lines[at:at] = lines[at : at + rnd.randrange(1, 10)] * rnd.randrange(1, 4)
        elif op == "swap" and lines:
            other = rnd.randrange(len(lines))
            at %= len(lines)
            lines[at], lines[other] = lines[other], lines[at]
        elif op == "insert":
            lines.insert(at, rnd.choice([*vocabulary, _random_text(rnd, rnd.randrange(40))]))
        elif op == "chars" and lines:
            at %= len(lines)
            line = lines[at]
            cut = rnd.randrange(len(line) + 1)
            lines[at] = line[:cut] + rnd.choice(ODD_STRINGS + vocabulary[:5]) + line[cut:]
        elif op == "cut":
            lines = lines[:at]
        names.append(op)
    return "\n".join(lines), "lines: " + ",".join(names)


def _encode_text(text: str, rnd: random.Random) -> bytes:
    how = rnd.random()
    if how < 0.08:
        return text.encode("cp1252", "replace")
    if how < 0.12:
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if how < 0.15:
        return text.encode("utf-16", "surrogatepass")
    return text.encode("utf-8", "surrogatepass")


def _random_lines(rnd: random.Random, most: int) -> str:
    return "\n".join(
        rnd.choice([*TEXT_LINES, _random_text(rnd, rnd.randrange(80))])
        for _ in range(rnd.randrange(1, most))
    )


def gen_text(rnd: random.Random, family: str | None = None) -> FuzzInput:
    """A .txt case file: built from a valid case, a seed letter, or random, then mutated."""
    family = family or rnd.choice(["case", "case", "letter", "random", "bytes"])
    if family == "random":
        text = _random_lines(rnd, 30)
        return FuzzInput("text", ".txt", _encode_text(text, rnd), mutation="random lines")
    base = _text_case(rnd) if family != "letter" else rnd.choice(seed_letters())
    if family == "bytes":
        data, name = mutate_bytes(base.encode(), rnd, TEXT_LINES)
        return FuzzInput("text", ".txt", data, mutation=name)
    text, name = mutate_lines(base, rnd, TEXT_LINES)
    return FuzzInput("text", ".txt", _encode_text(text, rnd), mutation=f"{family} {name}")


def gen_letter(rnd: random.Random, family: str | None = None) -> FuzzInput:
    """A .txt published letter: a seed letter mutated in lines or bytes, or random text."""
    family = family or rnd.choice(["lines", "lines", "lines", "bytes", "random", "valid"])
    letter = rnd.choice(seed_letters())
    if family == "valid":
        return FuzzInput("letter", ".txt", letter.encode(), target="letter", mutation="valid")
    if family == "random":
        text = _random_lines(rnd, 60)
        data = _encode_text(text, rnd)
        return FuzzInput("letter", ".txt", data, target="letter", mutation="random lines")
    if family == "bytes":
        data, name = mutate_bytes(letter.encode(), rnd, TEXT_LINES)
        return FuzzInput("letter", ".txt", data, target="letter", mutation=name)
    text, name = mutate_lines(letter, rnd, TEXT_LINES)
    return FuzzInput("letter", ".txt", _encode_text(text, rnd), target="letter", mutation=name)


# --- PDF ----------------------------------------------------------------------------------


def reportlab_pdf(text: str, *, compress: bool = True, encrypt: str | None = None) -> bytes:
    """Typeset text line by line with reportlab, as a letter is printed."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(
        out, pagesize=letter, invariant=1, pageCompression=int(compress), encrypt=encrypt
    )
    y = letter[1] - 54
    for line in text.split("\n"):
        if y < 54:
            pdf.showPage()
            y = letter[1] - 54
        pdf.setFont("Helvetica", 8.5)
        pdf.drawString(40, y, line.rstrip())
        y -= 11
    pdf.save()
    return out.getvalue()


def pypdf_encrypt(data: bytes, algorithm: str, user_password: str = "") -> bytes:
    """The PDF re-written by pypdf's writer, encrypted (RC4-40, RC4-128, AES-128, AES-256).

    AES needs the ``cryptography`` package; without it the committed AES PDFs of
    ``crashers/`` (made by this same function where it is installed) stand in.
    """
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, "owner-secret", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def raw_pdf(objects: list[bytes], *, root: int = 1) -> bytes:
    """A PDF from object bodies (object n is objects[n-1]), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        xref,
    )
    return bytes(out)


def _stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def pdf_with_content(content: bytes, *, stream_extra: bytes = b"", font: bytes = b"") -> bytes:
    """One page whose content stream (and font) are given: for filters and font maps."""
    font = font or b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            font,
            _stream(content, stream_extra),
        ]
    )


CASE_CONTENT = (
    b"BT /F1 10 Tf 40 700 Td (Case ID: CM14-0001) Tj 0 -12 Td (Request: MRI lumbar spine) Tj ET"
)

FILTERS = [
    b"/JBIG2Decode", b"/JPXDecode", b"/Crypt", b"/FooDecode", b"/LZWDecode", b"/CCITTFaxDecode",
    b"/RunLengthDecode", b"/DCTDecode", b"/ASCII85Decode", b"/ASCIIHexDecode", b"/FlateDecode",
    b"[/FlateDecode /ASCII85Decode]", b"[/ASCIIHexDecode /LZWDecode]", b"/Fl", b"/AHx", b"/A85",
    b"/RL", b"/CCF", b"/LZW", b"/DCT", b"[]", b"7", b"(FlateDecode)", b"[/FlateDecode /Bogus]",
]  # fmt: skip
DECODE_PARMS = [
    b"", b"/DecodeParms << /Predictor 15 /Columns 0 >>", b"/DecodeParms << /Predictor 12 "
    b"/Columns 99999999 /Colors 4 >>", b"/DecodeParms << /Predictor 2 /BitsPerComponent 3 >>",
    b"/DecodeParms << /K -1 /Columns 1728 >>", b"/DecodeParms [null]", b"/DecodeParms 5",
    b"/DecodeParms << /EarlyChange 0 >>",
]  # fmt: skip


def long_number_content(rnd: random.Random) -> tuple[bytes, str]:
    """A page whose content stream holds a number token past pypdf's 64-character limit."""
    digits = rnd.choice([65, 100, 1000])
    content = b"BT /F1 " + b"1" * digits + b" Tf 40 700 Td (Request: MRI lumbar spine) Tj ET"
    return pdf_with_content(content), f"{digits}-digit number in the content stream"


def pdf_filter(rnd: random.Random, filters=None, parms=None) -> tuple[bytes, str]:
    """A content stream with an unsupported, mislabelled or chained filter."""
    filt = rnd.choice(filters or FILTERS)
    parms = rnd.choice(parms or DECODE_PARMS)
    body = rnd.choice(
        [CASE_CONTENT, zlib.compress(CASE_CONTENT), b"\x80\x00\x01" * 20, b"~>", b"<>", b"",
         zlib.compress(CASE_CONTENT)[:-5], CASE_CONTENT.hex().encode() + b">"]
    )  # fmt: skip
    return pdf_with_content(body, stream_extra=b"/Filter " + filt + b" " + parms), (
        f"filter {filt.decode()} {parms.decode()}"
    )


def tounicode_font(cmap: bytes) -> list[bytes]:
    return [
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        _stream(cmap),
    ]


def tounicode_cmap(rnd: random.Random, kinds=None) -> tuple[bytes, str]:
    kind = rnd.choice(kinds or ["long", "range", "bad", "huge", "nested", "odd"])
    head = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
    head += b"1 begincodespacerange <00> <FF> endcodespacerange\n"
    tail = b"\nendcmap CMapName currentdict /CMap defineresource pop end end"
    if kind == "long":
        body = b"1 beginbfchar <41> <" + b"0041" * rnd.choice([1000, 100_000]) + b"> endbfchar"
    elif kind == "range":
        body = b"1 beginbfrange <0000> <FFFFFFFF> <0041> endbfrange"
    elif kind == "huge":
        count = rnd.choice([257, 1000, 100_000])  # more destinations than codes
        body = b"1 beginbfrange <00> <FF> [" + b"<0041> " * count + b"] endbfrange"
    elif kind == "nested":
        body = b"1 beginbfrange <00> <FF> " + b"[" * 5000 + b"]" * 5000 + b" endbfrange"
    elif kind == "odd":
        body = b"1 beginbfchar <4> <D800> endbfchar 1 beginbfchar <42> <DFFFD800> endbfchar"
    else:
        body = b"2 beginbfchar <41> endbfchar <zz> <> beginbfrange <41> endbfrange"
    cmap = head + body + tail
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        tounicode_font(cmap)[0],
        _stream(CASE_CONTENT),
        tounicode_font(cmap)[1],
    ]
    return raw_pdf(objects), f"ToUnicode {kind}"


@cache
def base_pdfs() -> tuple[tuple[str, bytes], ...]:
    """Small valid PDFs to mutate: case files and letters, compressed or not."""
    case_text = (
        "Case ID: CM14-0001\nDecision date: 2014-06-01\nThe patient is a 45-year-old male "
        "with low back pain after a fall on 01/02/2013.\nRequest: MRI lumbar spine\n"
    )
    letter = seed_letters()[0]
    pdfs = [
        ("case", reportlab_pdf(case_text)),
        ("case, uncompressed", reportlab_pdf(case_text, compress=False)),
        ("letter", reportlab_pdf(letter)),
        ("raw", pdf_with_content(CASE_CONTENT)),
    ]
    for algorithm in ("RC4-40", "RC4-128"):
        for password in ("", "secret"):
            pdfs.append(
                (f"{algorithm} user password {password!r}", pypdf_encrypt(pdfs[0][1], algorithm,
                                                                          password))
            )  # fmt: skip
    pdfs.append(("reportlab RC4 'secret'", reportlab_pdf(case_text, encrypt="secret")))
    pdfs.extend(aes_pdfs())
    return tuple(pdfs)


@cache
def aes_pdfs() -> tuple[tuple[str, bytes], ...]:
    """AES-encrypted PDFs from pypdf's writer: made now if ``cryptography`` is there, else
    the committed ones."""
    found = []
    for algorithm in ("AES-128", "AES-256"):
        for password in ("", "secret"):
            name = f"{algorithm} user password {password!r}"
            stored = CRASHERS / f"pdf_{algorithm.lower().replace('-', '')}_{password or 'empty'}"
            stored = stored.with_suffix(".pdf")
            try:
                case = reportlab_pdf("Case ID: AES\nRequest: MRI lumbar spine\n")
                found.append((name, pypdf_encrypt(case, algorithm, password)))
            except Exception:  # DependencyError: no cryptography here
                if stored.is_file():
                    found.append((name, stored.read_bytes()))
    return tuple(found)


def _break_xref(data: bytes, rnd: random.Random) -> tuple[bytes, str]:
    how = rnd.choice(["offsets", "startxref", "nostartxref", "table", "trailer", "eof"])
    at = data.rfind(b"startxref")
    if how == "offsets" and b"xref" in data:
        start = data.find(b"xref")
        table = bytearray(data[start:at])
        for _ in range(rnd.randrange(1, 6)):
            digits = [i for i, c in enumerate(table) if 48 <= c <= 57]
            if digits:
                table[rnd.choice(digits)] = rnd.randrange(48, 58)
        return data[:start] + bytes(table) + data[at:], "xref offsets"
    if how == "startxref" and at >= 0:
        value = rnd.choice([b"0", b"-1", b"99999999", b"1e9", b"", b"12"])
        end = data.find(b"\n", at + 10)
        return data[:at] + b"startxref\n" + value + data[end:], f"startxref {value!r}"
    if how == "nostartxref":
        return data.replace(b"startxref", b"startxrez"), "no startxref"
    if how == "table":
        return data.replace(b"xref\n0 ", b"xref\n0 99999", 1), "xref count"
    if how == "trailer":
        return data.replace(b"/Root", b"/Rooot").replace(b"/Size", b"/Size -5"), "trailer"
    return data.replace(b"%%EOF", b""), "no %%EOF"


def _break_object(data: bytes, rnd: random.Random) -> tuple[bytes, str]:
    how = rnd.choice(["endobj", "obj", "ref", "generation", "stream", "length", "self"])
    if how == "endobj":
        return data.replace(b"endobj", b"endob", rnd.randrange(1, 4)), "endobj"
    if how == "obj":
        return data.replace(b" 0 obj", b" 0 bj", 1), "obj"
    if how == "ref":
        target = rnd.choice([b"99 0 R", b"0 0 R", b"-1 0 R", b"3 7 R", b"1 0 R"])
        return data.replace(b"2 0 R", target), f"reference {target.decode()}"
    if how == "generation":
        return data.replace(b" 0 obj", b" 65536 obj"), "generation"
    if how == "stream":
        return data.replace(b"endstream", b"", 1), "no endstream"
    if how == "self":
        return data.replace(b"/Parent 2 0 R", b"/Parent 3 0 R"), "page parent loop"
    return data.replace(b"/Length ", b"/Length 9", 1), "stream length"


def gen_pdf(rnd: random.Random, family: str | None = None) -> FuzzInput:
    """A .pdf case file or letter: a small valid PDF broken in one of many ways."""
    target = "letter" if rnd.random() < 0.3 else "case"
    family = family or rnd.choice(
        ["valid", "bytes", "bytes", "truncate", "xref", "object", "filter", "tounicode",
         "encrypted", "encrypted", "junk", "number"]
    )  # fmt: skip
    pdfs = base_pdfs()
    name, data = rnd.choice(pdfs)
    if family == "valid":
        mutation = name
    elif family == "bytes":
        data, mutation = mutate_bytes(data, rnd, [b.decode() for b in FILTERS] + ["R", "obj"])
        mutation = f"{name}; {mutation}"
    elif family == "truncate":
        cut = rnd.choice([rnd.randrange(len(data)), len(data) - rnd.randrange(1, 40)])
        data, mutation = data[:cut], f"{name}; truncated at {cut} of {len(data)}"
    elif family == "xref":
        data, mutation = _break_xref(data, rnd)
    elif family == "object":
        data, mutation = _break_object(data, rnd)
    elif family == "filter":
        data, mutation = pdf_filter(rnd)
    elif family == "tounicode":
        data, mutation = tounicode_cmap(rnd)
    elif family == "number":
        data, mutation = long_number_content(rnd)
    elif family == "encrypted":
        encrypted = [p for p in pdfs if "RC4" in p[0] or "AES" in p[0]]
        name, data = rnd.choice(encrypted)
        mutation = f"encrypted {name}"
        if rnd.random() < 0.3:
            data, how = mutate_bytes(data, rnd)
            mutation += f"; {how}"
    else:
        data = rnd.choice([b"%PDF-1.4\n", b"%PDF-", b"%PDF-1.7\n%%EOF\n", b"not a pdf",
                           b"%PDF-1.4\n" + bytes(rnd.randrange(256) for _ in range(200)),
                           b"\x00" * 100, seed_letters()[0].encode()])  # fmt: skip
        mutation = "junk"
    return FuzzInput("pdf", ".pdf", data, target=target, mutation=mutation)


GENERATORS = {
    "json": gen_json,
    "yaml": gen_yaml,
    "jsonl": gen_jsonl,
    "text": gen_text,
    "letter": gen_letter,
    "pdf": gen_pdf,
}


def generate(rnd: random.Random, weights: dict[str, float]) -> FuzzInput:
    kinds = list(weights)
    kind = rnd.choices(kinds, [weights[k] for k in kinds])[0]
    return GENERATORS[kind](rnd)
