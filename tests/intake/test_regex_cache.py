"""Compiled patterns kept between runs are the patterns re.compile makes."""

from __future__ import annotations

import re

import pytest

from openimr import runcache
from openimr.intake import regex_cache
from openimr.intake.facts.extract import extract_facts
from openimr.intake.ruleset import compile_pattern
from tests.conftest import new_run

SAMPLES = [
    (r"(?<![\w])(?:lumbar|low\s+back)\s+pain(?![\w])", re.IGNORECASE),
    (r"(?P<n>\d+)\s*(?:x|times)\s*(?P<w>\d+)?", re.IGNORECASE),
    (r"^\W*(?:impression|findings)\b", re.IGNORECASE | re.MULTILINE),
    (r"[ \t\x80]{0,50}(?:\+|\Z)|(?=(?:a|b))", 0),
    (r"caf\u00e9s?|\u00b0|x{2,}", re.IGNORECASE),
    (r"(a)?(?(1)b|c)", 0),
]


def _same(a: re.Pattern[str], b: re.Pattern[str]) -> None:
    assert a == b  # flags, pattern text and the engine's code
    assert a.groupindex == b.groupindex and a.groups == b.groups


def test_a_fresh_compile_is_re_compile(fresh_runcache):
    for pattern, flags in SAMPLES:
        _same(regex_cache.compile_cached(pattern, flags), re.compile(pattern, flags))
    assert not fresh_runcache.exists()  # written at exit only


def test_the_next_run_reads_the_file_and_gets_the_same_patterns(fresh_runcache, monkeypatch):
    for pattern, flags in SAMPLES:
        regex_cache.compile_cached(pattern, flags)
    runcache.save()
    assert fresh_runcache.exists()
    new_run(monkeypatch)

    def no_compiling(pattern, flags):
        raise AssertionError(f"compiled afresh: {pattern!r}")

    monkeypatch.setattr(regex_cache, "_emit", no_compiling)
    for pattern, flags in SAMPLES:
        cached = regex_cache.compile_cached(pattern, flags)
        _same(cached, re.compile(pattern, flags))
        text = "Low back pain 3 x 4 weeks; IMPRESSION: cafés \u00b0 xx a+"
        assert [m.span() for m in cached.finditer(text)] == [
            m.span() for m in re.compile(pattern, flags).finditer(text)
        ]


def test_a_changed_pattern_is_compiled_afresh(fresh_runcache, monkeypatch):
    regex_cache.compile_cached("lumbar", re.IGNORECASE)
    runcache.save()
    new_run(monkeypatch)
    _same(regex_cache.compile_cached("lumbar", 0), re.compile("lumbar"))
    _same(regex_cache.compile_cached("thoracic", re.I), re.compile("thoracic", re.I))


def test_an_unreadable_or_foreign_file_is_ignored(fresh_runcache, monkeypatch):
    for junk in (b"not marshal at all", b"\x00" * 10, b""):
        fresh_runcache.write_bytes(junk)
        new_run(monkeypatch)
        _same(regex_cache.compile_cached("knee", re.I), re.compile("knee", re.I))


def test_an_entry_the_engine_refuses_is_compiled_afresh(fresh_runcache, monkeypatch):
    regex_cache.compile_cached("shoulder", re.I)
    flags, code, groups, groupindex, indexgroup = runcache.get(
        regex_cache.PATTERNS, ("shoulder", re.I)
    )
    bad = (flags, [999999, *code], groups, groupindex, indexgroup)
    runcache.put(regex_cache.PATTERNS, ("shoulder", re.I), bad)
    _same(regex_cache.compile_cached("shoulder", re.I), re.compile("shoulder", re.I))


def test_a_bad_pattern_is_the_same_error():
    with pytest.raises(re.error):
        regex_cache.compile_cached("(unclosed", 0)


def test_off_keeps_no_file(monkeypatch):
    monkeypatch.setenv("OPENIMR_CACHE", "off")
    assert runcache.cache_file() is None


def test_without_a_home_directory_there_is_no_file(monkeypatch):
    monkeypatch.delenv("OPENIMR_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(runcache.Path, "home", staticmethod(no_home))
    assert runcache.cache_file() is None
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert str(runcache.cache_file()).startswith("/somewhere/openimr/startup-")


def test_every_rule_pattern_a_review_compiles_is_re_compiles():
    extract_facts("Low back pain radiating to the left leg. Completed 12 PT visits.")
    compile_pattern("knee", "test.yaml")
    used = dict(runcache.used(regex_cache.PATTERNS))
    assert len(used) > 300
    for (pattern, flags), entry in used.items():
        _same(regex_cache._engine(pattern, entry), re.compile(pattern, flags))


def test_remembered_values_come_back_in_the_next_run(fresh_runcache, monkeypatch):
    calls = []

    def compute():
        calls.append(1)
        return (("lumbar",), ("low", "back"))

    assert regex_cache.remembered("test", ("p", 2), compute) == (("lumbar",), ("low", "back"))
    assert regex_cache.remembered("test", ("p", 2), compute) == (("lumbar",), ("low", "back"))
    assert len(calls) == 1
    runcache.save()
    new_run(monkeypatch)
    assert regex_cache.remembered("test", ("p", 2), compute) == (("lumbar",), ("low", "back"))
    assert regex_cache.remembered("test", ("q", 2), lambda: None) is None
    assert len(calls) == 1


def test_a_file_grown_past_its_bound_keeps_only_what_the_last_run_used(fresh_runcache, monkeypatch):
    monkeypatch.setattr(runcache, "MAX_ENTRIES", 3)
    for word in ("alpha", "beta", "gamma"):
        regex_cache.compile_cached(word, 0)
    runcache.save()
    new_run(monkeypatch)
    for word in ("delta", "epsilon"):
        regex_cache.compile_cached(word, 0)
    runcache.save()
    entries = runcache.read_tables(fresh_runcache)[regex_cache.PATTERNS]
    assert sorted(p for p, _ in entries) == ["delta", "epsilon"]


def test_the_tokenizer_expressions_are_spacys_own():
    import spacy.util

    from openimr.intake.facts.nlp import pipeline

    nlp = pipeline()
    assert spacy.util.re is re  # given back after the build
    defaults = nlp.Defaults
    assert nlp.tokenizer.prefix_search.__self__ == spacy.util.compile_prefix_regex(
        defaults.prefixes
    )
    assert nlp.tokenizer.suffix_search.__self__ == spacy.util.compile_suffix_regex(
        defaults.suffixes
    )
