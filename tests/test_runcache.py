"""Work kept between runs: the same values, fresh objects, and never a case's records."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from openimr import runcache
from openimr.intake.case_file import load_case
from openimr.yamlload import load_yaml, safe_load
from tests.conftest import new_run

RULES = "name: knee\nwords: [menisc, ACL]\nfrom: 2016-07-29\n"


def _kept_texts(path) -> set[bytes]:
    tables = runcache.read_tables(path)
    return {key for name, table in tables.items() if name.startswith("yaml") for key in table}


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=20).digest()


def test_a_kept_rule_file_comes_back_the_same_in_the_next_run(fresh_runcache, monkeypatch):
    first = safe_load(RULES, keep=True)
    assert first == {"name": "knee", "words": ["menisc", "ACL"], "from": dt.date(2016, 7, 29)}
    runcache.save()
    assert _digest(RULES) in _kept_texts(fresh_runcache)
    new_run(monkeypatch)
    monkeypatch.setattr("openimr.yamlload.yaml.load", _no_parsing)
    assert safe_load(RULES, keep=True) == first
    with pytest.raises(AssertionError, match="parsed again"):
        safe_load(RULES)  # not kept: read afresh


def _no_parsing(*args, **kwargs):
    raise AssertionError("parsed again")


def test_each_call_gets_its_own_objects(fresh_runcache):
    one = load_yaml(RULES, keep=True)
    one["words"].append("changed")
    two = load_yaml(RULES, keep=True)
    assert two["words"] == ["menisc", "ACL"] and two["from"] == "2016-07-29"


def test_a_case_file_is_never_kept(fresh_runcache, tmp_path):
    case = tmp_path / "case.yaml"
    text = (
        "case_id: CM-RUNCACHE-1\nclinical_summary: Low back pain since 2015.\n"
        "requests:\n  - text: Physical therapy x6\n"
    )
    case.write_text(text, encoding="utf-8")
    load_case(case)
    load_yaml("unkept: true\n")
    runcache.save()
    assert _digest(text) not in _kept_texts(fresh_runcache)
    assert _digest("unkept: true\n") not in _kept_texts(fresh_runcache)


def test_an_unreadable_file_is_no_file(fresh_runcache):
    for junk in (b"not a pickle", b"\x80\x05K\x01.", b""):
        fresh_runcache.write_bytes(junk)
        assert runcache.read_tables(fresh_runcache) == {}


def test_a_table_no_run_uses_any_more_is_dropped(fresh_runcache, monkeypatch):
    monkeypatch.setattr(runcache, "STALE_WRITES", 2)
    runcache.put("old-1", "k", 1)
    runcache.save()
    for write in range(3):
        new_run(monkeypatch)
        runcache.put("new-2", f"k{write}", write)
        runcache.save()
        tables = runcache.read_tables(fresh_runcache)
        assert ("old-1" in tables) == (write < 2), write  # unused by the last two writes
    assert sorted(tables["new-2"]) == ["k0", "k1", "k2"]
