"""The prefilter never rules out a text a pattern matches (prefilter.py), and a review
reads the same facts with it as without it."""

from __future__ import annotations

import os
import platform
import re
import sys
import threading
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import openimr.intake.needles as needles_module
from openimr import runcache
from openimr.intake import prefilter
from openimr.intake.facts.extract import extract_facts
from openimr.intake.needles import Pieces, pieces, sieve
from openimr.intake.prefilter import CASE_TWINS, Prefilter, expression, folded
from tests.conftest import new_run, seed_paths

if sys.platform == "linux" and platform.machine() == "x86_64":
    import hyperscan  # noqa: F401  (a dependency here, pyproject.toml: never skipped)
else:  # pragma: no cover
    pytest.importorskip("hyperscan")


def _hits(text: str, written: list[tuple[str, int]], kept: bool = False) -> set[int]:
    """The ids (indexes of ``written``) a fresh prefilter of those patterns lets through;
    ``kept``: its database kept in the cache directory (else none is: a few hundred of these
    would push out those a run keeps)."""
    f = Prefilter()
    for pattern, flags in written:
        f.register(pattern, flags)
    with mock.patch.dict(os.environ, {} if kept else {"OPENIMR_CACHE": "off"}):
        f.build()
    hits: set[int] = set()
    _, covered = f.scan(text, 0, hits)
    assert covered == len(written)
    return hits


def _variants(text: str) -> list[str]:
    """The text, and the same in other cases and with non-ASCII characters in it."""
    return [
        text,
        text.upper(),
        text.lower(),
        text.replace(" ", "\u00a0", 7).replace("e", "\u00e9", 9),
        text.replace("-", "\u2013").replace("'", "\u2019").replace('"', "\u201c"),
    ]


# --- what an expression is ------------------------------------------------------------


def test_tests_of_a_place_are_dropped_and_the_rest_kept():
    written, caseless = expression(r"(?<![\w])(?:lumbar|low\s+back)\s+pain(?![\w])", re.I)
    assert caseless
    assert "umbar" in written and "pain" in written  # (Python's parser shares the "l")
    assert "?<" not in written and "?!" not in written


@pytest.mark.parametrize(
    ("pattern", "flags"),
    [
        (r".*", 0),  # may match the empty string: anywhere
        (r"x?", 0),
        (r"(?=abc)", 0),
        (r"(a)b\1", 0),  # a group's text
        (r"(?P<x>a)(?P=x)", 0),
    ],
)
def test_what_cannot_be_written_gets_no_expression(pattern, flags):
    assert expression(pattern, flags) is None


@pytest.mark.parametrize(
    ("pattern", "flags", "text"),
    [
        (r"[^a]bc", 0, "Abc"),  # case-sensitive: "A" is not "a"
        (r"(?i:[^a])bc", 0, "xbc"),
        (r"(?-i:PT)\s+visit", re.I, "PT VISIT"),
        (r"caf\u00e9", re.I, "CAF\u00c9"),  # both non-ASCII: the same byte
        (r"\w+\s\d", 0, "\u00e9\u00e9\u00a0\u0663"),  # Unicode word, space and digit
        (r"[^\s]x", 0, "\u00e9x"),
        (r"a{2,40}b", 0, "a" * 30 + "b"),  # a long bound read as unbounded
        (r"(?>ab|a)c", 0, "abc"),
        (r"ab*+c", 0, "abbc"),
        (r"(x)?(?(1)y|z)w", 0, "zw"),
        (r"^\s*Plan:$", re.M, "notes\n  Plan:\nmore"),
        (r"\bMRI\b", 0, "(MRI)"),
    ],
)
def test_an_expression_matches_where_its_pattern_does(pattern, flags, text):
    assert re.search(pattern, text, flags)
    assert _hits(text, [(pattern, flags)]) == {0}


def test_an_expression_rules_out_what_its_pattern_cannot_match():
    written = [(r"therapy\s+\d\s*x\s*(?:a\s+)?week", re.I), (r"(?-i:PT)\s+visit", re.I)]
    assert _hits("Therapy helped; she walks a mile a week. pt Visit", written) == set()
    assert _hits("therapy 2x a week, PT visit", written) == {0, 1}


def test_the_text_keeps_its_positions():
    text = "caf\u00e9 na\u00efve \u2013 \U0001f600 end"
    assert len(folded(text)) == len(text)
    assert folded("plain") == b"plain"


def test_texts_the_expressions_cannot_read_are_left_to_the_needles(monkeypatch):
    monkeypatch.setenv("OPENIMR_CACHE", "off")
    assert folded("a\x1cb") is None  # Python's \s matches \x1c; Vectorscan's does not
    for twin in CASE_TWINS:
        assert folded(f"{twin}elvin") is None
    f = Prefilter()
    f.register("kelvin", re.I)
    f.build()
    assert f.scan("\u212aelvin", 0, set()) == (-1, 0)  # covers nothing


# --- random patterns and texts ------------------------------------------------------------

_ATOMS = st.sampled_from(
    [
        *["a", "b", "A", "x", "1", " ", "-", "\u00e9", "\u00c9", r"\s", r"\w", r"\d", r"\S"],
        *[r"\W", r"\D", ".", "[ab]", "[^a]", "[^A]", "[a-c]", r"[^\s]", "[\u00e9-\u00ea]"],
        r"\.",
    ]
)
_QUANTIFIERS = st.sampled_from(["*", "+", "?", "{1,3}", "{2}", "*?", "+?", "*+", "{0,12}"])


def _composite(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, inner).map("".join),
        st.tuples(inner, inner).map(lambda t: f"(?:{t[0]}|{t[1]})"),
        st.tuples(inner, _QUANTIFIERS).map(lambda t: f"(?:{t[0]}){t[1]}"),
        inner.map(lambda s: f"(?i:{s})"),
        inner.map(lambda s: f"(?-i:{s})"),
        inner.map(lambda s: f"(?>{s})"),
        inner.map(lambda s: f"(?=[ax]){s}"),
        inner.map(lambda s: f"(?<!a){s}(?!b)"),
        inner.map(lambda s: rf"\b{s}\B"),
        inner.map(lambda s: f"^{s}$"),
        inner.map(lambda s: f"(?:(x)?(?(1){s}|b))"),
    )


_PATTERNS = st.recursive(_ATOMS, _composite, max_leaves=8)
_TEXTS = st.text(alphabet="aAbBxX1 -\u00e9\u00c9\u00a0\n.\u0663", max_size=24)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PATTERNS, st.sampled_from([0, re.I, re.I | re.M]), st.lists(_TEXTS, max_size=4))
def test_no_text_a_random_pattern_matches_is_ruled_out(pattern, flags, texts):
    try:
        rx = re.compile(pattern, flags)
    except re.error:
        assume(False)
    assume(expression(pattern, flags) is not None)
    for text in texts:
        if rx.search(text):
            assert _hits(text, [(pattern, flags)]) == {0}, (pattern, text)


# --- the rules' own patterns ------------------------------------------------------------


@pytest.fixture(scope="module")
def rule_prefilter() -> tuple[Prefilter, list[re.Pattern[str]]]:
    """The process's prefilter with every pattern a review makes a sieve for compiled (or
    read back from the cache directory), and those patterns by id."""
    extract_facts("Low back pain radiating to the left leg. Completed 12 PT visits.")
    for path in seed_paths():
        extract_facts(path.read_text(encoding="utf-8"))
    f = prefilter.PREFILTER
    f.build()
    assert f.built > 300
    return f, [re.compile(p, fl) for p, fl in f.patterns[: f.built]]


def test_every_rule_pattern_keeps_its_matches_on_the_seed_letters(rule_prefilter):
    """On the seed letters, cut in pieces, in other cases and with non-ASCII characters:
    every rule pattern that matches a text is let through for it."""
    f, patterns = rule_prefilter
    unwritten = set().union(*(c.unwritten for c in f.chunks))
    assert len(unwritten) < len(patterns) / 10  # nearly every pattern has an expression
    texts = []
    for path in seed_paths():
        text = path.read_text(encoding="utf-8")
        texts += _variants(text)
        texts += [text[i : i + 400] for i in range(0, len(text), 1500)]
    ruled_out = 0
    for text in texts:
        hits: set[int] = set()
        _, covered = f.scan(text, 0, hits)
        assert covered == len(patterns) == f.built
        for i, rx in enumerate(patterns):
            if i not in hits:
                ruled_out += 1
                assert rx.search(text) is None, (rx.pattern[:200], text[:80])
    assert ruled_out > 10_000  # it does rule out


def test_a_review_reads_the_same_facts_with_the_prefilter(monkeypatch):
    texts = [path.read_text(encoding="utf-8") for path in seed_paths()]
    texts += [variant for text in texts[:2] for variant in _variants(text)[1:]]
    prefilter.PREFILTER.build()  # what is registered so far: the rules a review uses
    with_it = [extract_facts(text) for text in texts]
    assert prefilter.PREFILTER.chunks
    monkeypatch.setattr(Pieces, "prefiltered", lambda self: (set(), 0))  # covers nothing
    needles_module._kept.clear()
    needles_module._kept_sentences.clear()
    without = [extract_facts(text) for text in texts]
    assert with_it == without


@pytest.fixture
def own_prefilter(monkeypatch):
    """A process-wide prefilter of this test's own, its sieves and texts made afresh (and
    dropped after, so no sieve keeps an id of it)."""

    def afresh():
        needles_module._sieve.cache_clear()
        needles_module._kept.clear()
        needles_module._kept_sentences.clear()
        needles_module._scanned.clear()

    afresh()
    monkeypatch.setenv("OPENIMR_CACHE", "off")  # (its database is not kept)
    own = Prefilter()
    monkeypatch.setattr(needles_module, "PREFILTER", own)
    yield own
    afresh()


def test_a_text_read_before_a_build_is_scanned_after_it(own_prefilter):
    rx = re.compile(r"zebra\s+crossing\s+\d+\s*m(?:etres)?", re.I)
    text = "zebra crossing near the clinic; 40 m to the crossing. " * 8
    assert len(text) >= needles_module.SCAN_FROM
    found = pieces(text)
    assert sieve(rx).may_match(found)  # the needles are all there
    own_prefilter.build()
    assert not sieve(rx).may_match(found)  # and the prefilter now knows better
    assert rx.search(text) is None
    # A sentence of it is answered for by the text (it is not scanned itself).
    sentence = pieces("zebra crossing near the clinic; 40 m to the crossing.")
    assert not sieve(rx).may_match(sentence)
    assert sentence.holder is found
    # A short text no text scanned holds is left to the needles.
    alone = pieces("A zebra crossing, 40 m away, then another crossing.")
    assert sieve(rx).may_match(alone) and alone.holder is None


def test_each_thread_scans_with_its_own_scratch_space(monkeypatch):
    monkeypatch.setenv("OPENIMR_CACHE", "off")
    f = Prefilter()
    f.register(r"lumbar\s+pain", re.I)
    f.build()
    results = []

    def scan():
        hits: set[int] = set()
        for _ in range(200):
            f.scan("LUMBAR PAIN", 0, hits)
        results.append(hits)

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [{0}] * 4


# --- kept between runs ------------------------------------------------------------------


def test_a_compiled_chunk_is_kept_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENIMR_CACHE", str(tmp_path / "startup.pickle"))
    compiled = []
    real = prefilter._database
    monkeypatch.setattr(prefilter, "_database", lambda *a: compiled.append(1) or real(*a))
    written = [(r"lumbar\s+pain", re.I), (r"knee\s+brace", re.I)]
    assert _hits("knee brace", written, kept=True) == {1}
    kept = list(tmp_path.glob("prefilter-*.hs"))
    assert len(kept) == 1 and len(compiled) == 1
    assert _hits("knee brace", written, kept=True) == {1}  # read back, not compiled again
    assert len(compiled) == 1
    kept[0].write_bytes(b"not a database")  # a damaged file is compiled afresh
    assert _hits("lumbar pain", written, kept=True) == {0}
    assert len(compiled) == 2


def test_without_a_cache_directory_it_still_compiles(monkeypatch):
    monkeypatch.setenv("OPENIMR_CACHE", "off")
    assert _hits("lumbar pain", [(r"lumbar\s+pain", re.I)]) == {0}


def test_an_unwritable_cache_directory_keeps_nothing(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the directory would be")
    monkeypatch.setenv("OPENIMR_CACHE", str(blocked / "startup.pickle"))
    assert _hits("lumbar pain", [(r"lumbar\s+pain", re.I)], kept=True) == {0}


def test_an_expression_vectorscan_refuses_is_left_out_alone(monkeypatch):
    refuse = "(?:refused)"
    real = prefilter._database

    def database(hs, expressions):
        if any(refuse in e for _, e, _ in expressions):
            raise hs.error("refused")
        return real(hs, expressions)

    monkeypatch.setattr(prefilter, "_database", database)
    monkeypatch.setenv("OPENIMR_CACHE", "off")
    written = [(r"lumbar\s+pain", re.I), (r"(refused)x", 0), (r"knee\s+brace", re.I)]
    f = Prefilter()
    for pattern, flags in written:
        f.register(pattern, flags)
    f.build()
    hits: set[int] = set()
    f.scan("knee brace", 0, hits)
    assert hits == {1, 2}  # the refused one may always match


# --- a single review starts from the last build ------------------------------------------

_WRITTEN = [(r"lumbar\s+pain", re.I), (r"knee\s+brace", re.I), (r"(?=x)", 0)]


def _built_and_saved(monkeypatch) -> Prefilter:
    """A run that builds the shared prefilter of _WRITTEN and writes its run cache."""
    first = Prefilter(shared=True)
    for pattern, flags in _WRITTEN:
        first.register(pattern, flags)
    first.build()
    runcache.save()
    new_run(monkeypatch)
    return first


def test_a_new_run_starts_from_the_last_build(fresh_runcache, monkeypatch):
    _built_and_saved(monkeypatch)
    second = Prefilter(shared=True)
    assert second.register(r"knee\s+brace", re.I) == 1  # the id it had
    assert second.register(r"shoulder", re.I) == 3  # a new one comes after
    assert not second.chunks  # read with the first text
    second.seen()
    assert second.built == 3 and len(second.chunks) == 1
    hits: set[int] = set()
    assert second.scan("knee brace", 0, hits) == (1, 3)
    assert hits == {1, 2}  # found, and the one with no expression
    assert second.register(r"lumbar\s+pain", re.I) == 0


def test_a_catalogue_whose_files_are_gone_is_not_used(fresh_runcache, monkeypatch):
    _built_and_saved(monkeypatch)
    for kept in fresh_runcache.parent.glob("prefilter-*.hs"):
        kept.unlink()
    second = Prefilter(shared=True)
    assert second.register(r"knee\s+brace", re.I) == 1
    second.seen()
    assert second.built == 0 and not second.chunks  # the needles answer alone


def test_a_catalogue_of_another_version_is_not_used(fresh_runcache, monkeypatch):
    _built_and_saved(monkeypatch)
    _version, patterns, chunks = runcache.get(prefilter.CATALOGUE, prefilter.MAGIC)
    runcache.put(prefilter.CATALOGUE, prefilter.MAGIC, ("0.0.1", patterns, chunks))
    second = Prefilter(shared=True)
    second.register(r"knee\s+brace", re.I)
    second.seen()
    assert second.built == 0


def test_the_prefilter_can_be_turned_off(fresh_runcache, monkeypatch):
    _built_and_saved(monkeypatch)
    monkeypatch.setenv("OPENIMR_PREFILTER", "off")
    second = Prefilter(shared=True)
    second.register(r"knee\s+brace", re.I)
    second.seen()
    second.build()
    assert second.built == 0 and not second.chunks


def test_too_many_chunks_are_compiled_again_in_full_ones(fresh_runcache, monkeypatch):
    monkeypatch.setattr(prefilter, "CHUNK", 1)  # a chunk a pattern: three of them
    _built_and_saved(monkeypatch)
    monkeypatch.setattr(prefilter, "CHUNK", 2)
    monkeypatch.setattr(prefilter, "MAX_CHUNKS", 3)
    second = Prefilter(shared=True)
    second.register(r"shoulder\s+pain", re.I)
    second.seen()
    assert len(second.chunks) == 3  # the catalogue's, read as they are
    text = "knee brace for shoulder pain"
    before: set[int] = set()
    assert second.scan(text, 0, before) == (3, 3)
    second.build()  # a fourth chunk (the new pattern), then all again two ids a chunk
    assert [c.end for c in second.chunks] == [2, 4]
    after: set[int] = set()
    assert second.scan(text, 0, after) == (2, 4)
    assert after == before | {3}


def test_a_text_scanned_before_a_compaction_is_scanned_again(own_prefilter, monkeypatch):
    monkeypatch.setattr(prefilter, "CHUNK", 1)
    monkeypatch.setattr(prefilter, "MAX_CHUNKS", 2)
    text = "Lumbar pain with a knee brace; the shoulder is fine. " * 8
    found = pieces(text)
    rules = [re.compile(p, re.I) for p in (r"lumbar\s+pain", r"knee\s+brace", r"brace\s+lumbar")]
    assert [sieve(rx).may_match(found) for rx in rules] == [True, True, True]  # needles
    own_prefilter.build()  # three chunks of one, compacted into three again... of one
    monkeypatch.setattr(prefilter, "CHUNK", 2)
    assert [sieve(rx).may_match(found) for rx in rules] == [True, True, False]
    late = re.compile(r"fine\s+shoulder", re.I)
    assert sieve(late).may_match(found)  # registered after the build: the needles
    own_prefilter.build()  # four chunks: compacted into two of two
    assert len(own_prefilter.chunks) == 2
    assert found.scanned > len(own_prefilter.chunks)
    assert not sieve(late).may_match(found)  # scanned again, with the chunks as they are
    assert [sieve(rx).may_match(found) for rx in rules] == [True, True, False]


def test_a_long_run_that_left_a_third_unused_writes_its_own(fresh_runcache, monkeypatch):
    _built_and_saved(monkeypatch)  # lumbar pain, knee brace, (?=x)
    monkeypatch.setattr(prefilter, "PRUNE_AFTER", 5)
    second = Prefilter(shared=True)
    assert second.register(r"knee\s+brace", re.I) == 1
    assert second.register(r"shoulder", re.I) == 3
    for _ in range(5):
        second.seen()
    second.build()
    assert [p for p, _ in second.patterns] == [p for p, _ in _WRITTEN] + ["shoulder"]
    _version, patterns, _chunks = runcache.get(prefilter.CATALOGUE, prefilter.MAGIC)
    assert [p for p, _ in patterns] == [r"knee\s+brace", "shoulder"]  # numbered afresh
    runcache.save()
    new_run(monkeypatch)
    third = Prefilter(shared=True)
    assert third.register("shoulder", re.I) == 1
    third.seen()
    hits: set[int] = set()
    assert third.scan("a knee brace", 0, hits) == (1, 2)
    assert hits == {0}


def test_the_test_run_keeps_a_catalogue_of_its_own():
    assert prefilter.CATALOGUE == "prefilter-catalogue-tests"  # (tests/conftest.py)


def test_a_long_run_with_nothing_new_to_build_writes_its_own_too(fresh_runcache, monkeypatch):
    _built_and_saved(monkeypatch)
    monkeypatch.setattr(prefilter, "PRUNE_AFTER", 5)
    second = Prefilter(shared=True)
    second.register(r"knee\s+brace", re.I)
    for _ in range(5):
        second.seen()
    _version, patterns, _chunks = runcache.get(prefilter.CATALOGUE, prefilter.MAGIC)
    assert [p for p, _ in patterns] == [r"knee\s+brace"]
    assert second.built == 3  # this run goes on with the chunks it read
