"""The crash classes found by fuzzing, each with its reproducer in ``crashers/``.

A class is matched by the exception type, the openimr function it escaped from, and (where
one type escapes from one place for several reasons, as pypdf's do) a piece of the
innermost frame or of the message. Each class has its own exception type: a property
expected to fail with one class raises that type, so ``xfail(raises=...)`` accepts that
class and no other, and the test turns red (strict) once the class is fixed.

When a class is fixed: take it out of ``STILL_OPEN`` (its tests said XPASS(strict)); its
reproducer and families then run as regression tests.
"""

from __future__ import annotations

import contextlib
import gzip
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from tests.fuzz.generators import CRASHERS
from tests.fuzz.harness import FuzzTimeout, Outcome, run_command

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CrashClass:
    name: str
    reason: str
    exc_type: str
    """As ``Outcome.exc_type``: "ValueError", "pypdf.errors.DependencyError"."""
    function: str = ""
    """The openimr function it escapes from (``Outcome.function``); "" for any."""
    innermost: str = ""
    message: str = ""
    reproducer: str = ""
    """File name under crashers/ (``.gz``: unpacked before the run)."""
    command: str = "review"
    """review, parse or facts: the openimr command that shows it (``openimr review FILE``)."""
    without_cryptography: bool = False
    """Shows only where pypdf has no AES provider (openimr does not require one)."""
    error: type = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.error = type(f"Crash_{self.name}", (AssertionError,), {"__module__": __name__})

    def matches(self, outcome: Outcome) -> bool:
        return (
            outcome.failed
            and outcome.exc_type == self.exc_type
            and (not self.function or outcome.function == self.function)
            and self.innermost in outcome.innermost
            and self.message in outcome.message
        )

    @property
    def open(self) -> bool:
        return self.name in STILL_OPEN

    def marks(self) -> list:
        """xfail for its own class while it is open; none once fixed (a regression test)."""
        if not self.open:
            return []
        return [pytest.mark.xfail(strict=True, raises=self.error, reason=self.reason)]


_PYDANTIC_SERIALIZATION = "pydantic_core._pydantic_core.PydanticSerializationError"

CLASSES = [
    CrashClass(
        "yaml_impossible_date",
        "YAML timestamp that is no date (case_id: 2014-13-01): ValueError from the YAML "
        "constructor, not caught by _read_data",
        "ValueError", "_read_data", innermost="yaml/constructor.py",
        reproducer="yaml_impossible_date.yaml",
    ),
    CrashClass(
        "lone_surrogate_hash",
        "lone surrogate (\\ud800) in a request's text: PydanticSerializationError while hashing "
        "the case (review/engine.py input_sha256)",
        _PYDANTIC_SERIALIZATION, "input_sha256", reproducer="json_lone_surrogate.json",
    ),
    CrashClass(
        "facts_surrogate_output",
        "lone surrogate in a request's text, `openimr facts` (json or text): UnicodeEncodeError "
        "from click.echo in intake/commands.py facts",
        "UnicodeEncodeError", "facts", reproducer="facts_lone_surrogate.json", command="facts",
    ),
    CrashClass(
        "json_deep_nesting",
        "JSON nested 1,000 deep: RecursionError from json.loads in _read_data",
        "RecursionError", "_read_data", innermost="json/", reproducer="json_deep_nesting.json",
    ),
    CrashClass(
        "yaml_deep_nesting",
        "YAML nested 1,000 deep: RecursionError from yaml.safe_load in _read_data",
        "RecursionError", "_read_data", innermost="yaml/", reproducer="yaml_deep_nesting.yaml",
    ),
    CrashClass(
        "jsonl_deep_nesting",
        "a JSON Lines line nested 1,000 deep: RecursionError from json.loads in iter_cases",
        "RecursionError", "iter_cases", reproducer="jsonl_deep_nesting.jsonl",
    ),
    CrashClass(
        "json_huge_integer",
        "JSON integer of over 4,300 digits: ValueError (int max str digits) from json.loads in "
        "_read_data",
        "ValueError", "_read_data", innermost="json/", message="4300 digits",
        reproducer="json_huge_integer.json",
    ),
    CrashClass(
        "jsonl_huge_integer",
        "a JSON Lines line with an integer of over 4,300 digits: ValueError from json.loads in "
        "iter_cases",
        "ValueError", "iter_cases", message="4300 digits", reproducer="jsonl_huge_integer.jsonl",
    ),
    CrashClass(
        "date_overflow",
        "a date in words whose day is past a C long ('June 99999999999999999999, 2014', in a "
        "case file's date field or a text case file's 'Decision date:' line): OverflowError "
        "from dt.date in intake/dates.py _safe_date (it catches ValueError only)",
        "OverflowError", "_safe_date", reproducer="date_overflow.json",
    ),
    CrashClass(
        "case_over_spacy_max_length",
        "case text over 1,000,000 characters: spaCy E088 ValueError from nlp.make_doc",
        "ValueError", message="E088", reproducer="case_over_1m_chars.json.gz",
    ),
    CrashClass(
        "pdf_unsupported_filter",
        "PDF stream with an unknown filter (/FooDecode): NotImplementedError from pypdf's "
        "decode_stream_data, not caught by _pdf_text",
        "NotImplementedError", innermost="pypdf/filters.py",
        reproducer="pdf_unsupported_filter.pdf",
    ),
    CrashClass(
        "pdf_abbreviated_filter",
        "PDF stream filter abbreviated (/A85, /Fl, /LZW...): pypdf.errors.DeprecationError, "
        "not caught by _pdf_text",
        "pypdf.errors.DeprecationError", innermost="pypdf/",
        reproducer="pdf_abbreviated_filter.pdf",
    ),
    CrashClass(
        "pdf_jbig2_decoder_missing",
        "PDF stream with /JBIG2Decode and no jbig2dec binary: pypdf.errors.DependencyError",
        "pypdf.errors.DependencyError", innermost="pypdf/filters.py",
        reproducer="pdf_jbig2_decoder_missing.pdf",
    ),
    CrashClass(
        "pdf_tounicode_limit",
        "PDF font whose /ToUnicode map is over pypdf's limits (a 4,000-character string, a "
        "2^32-code range): pypdf.errors.LimitReachedError",
        "pypdf.errors.LimitReachedError", innermost="pypdf/_cmap.py",
        reproducer="pdf_tounicode_too_long.pdf",
    ),
    CrashClass(
        "pdf_tounicode_overflow",
        "PDF /ToUnicode bfrange with 100,000 destinations: OverflowError in pypdf's _cmap",
        "OverflowError", innermost="pypdf/_cmap.py", reproducer="pdf_tounicode_overflow.pdf",
    ),
    CrashClass(
        "pdf_xref_size_limit",
        "PDF xref table declaring 99,999 entries: pypdf.errors.LimitReachedError from PdfReader",
        "pypdf.errors.LimitReachedError", innermost="pypdf/_reader.py",
        reproducer="pdf_xref_size_limit.pdf",
    ),
    CrashClass(
        "pdf_decode_columns_limit",
        "PDF /DecodeParms with /Columns 99999999: pypdf.errors.LimitReachedError from filters",
        "pypdf.errors.LimitReachedError", innermost="pypdf/filters.py",
        reproducer="pdf_decode_columns_limit.pdf",
    ),
    CrashClass(
        "pdf_read_length_limit",
        "PDF with a number token over 64 characters (in a content stream): "
        "pypdf.errors.LimitReachedError from read_until_regex",
        "pypdf.errors.LimitReachedError", innermost="pypdf/_utils.py",
        reproducer="pdf_read_length_limit.pdf",
    ),
    CrashClass(
        "pdf_encryption_v0",
        "encrypted PDF with an encryption pypdf does not support (/V 0, /StmF /None): "
        "NotImplementedError from pypdf's encryption",
        "NotImplementedError", innermost="pypdf/_encryption.py",
        reproducer="pdf_encryption_v0.pdf",
    ),
    CrashClass(
        "pdf_broken_xref_attribute",
        "PDF whose xref section holds a string where a dictionary belongs (found by the long "
        "run): AttributeError from pypdf's _read_xref",
        "AttributeError", innermost="pypdf/", reproducer="pdf_broken_xref.pdf",
    ),
    CrashClass(
        "pdf_aes_without_cryptography",
        "AES-encrypted PDF (even with an empty password) where the cryptography package is "
        "not installed (openimr does not require it): pypdf.errors.DependencyError",
        "pypdf.errors.DependencyError", innermost="pypdf/_crypt_providers",
        reproducer="pdf_aes256_empty.pdf", without_cryptography=True,
    ),
    CrashClass(
        "pdf_warnings_on_stderr",
        "a damaged PDF: pypdf's logging warnings ('incorrect startxref pointer', ...) are "
        "printed on standard error as lines that do not start with 'openimr:'",
        "tests.fuzz.harness.BadStderr", message="standard error: ",
        reproducer="pdf_warnings_on_stderr.pdf",
    ),
]  # fmt: skip

BY_NAME = {c.name: c for c in CLASSES}

STILL_OPEN: set[str] = set()
"""The classes not fixed yet. All were fixed for issue 8; each reproducer and family that
found one now runs as a regression test: a crash of a fixed class fails it."""


def crash_class(outcome: Outcome) -> CrashClass | None:
    found = next((c for c in CLASSES if c.matches(outcome)), None)
    if found is None and outcome.exc_type.endswith("InternalError"):
        # `openimr parse` caught it: "internal error (LimitReachedError)"; only the type is left
        inner = outcome.message.rpartition("internal error (")[2].partition(")")[0]
        found = next((c for c in CLASSES if c.exc_type.rpartition(".")[2] == inner), None)
    return found


def check(outcome: Outcome, expected: CrashClass | None = None, *, tolerate_open=True) -> None:
    """Pass when the run succeeded or raised UserError.

    A crash of ``expected`` raises that class's own error (for ``xfail(raises=...)``). A
    crash of another known class passes while that class is open (its reproducer still
    shows it: its own tests cover it), so that a family fails only on a crash nobody has
    reported. Any other crash re-raises the original exception.
    """
    if not outcome.failed:
        return
    if expected is not None and expected.matches(outcome):
        raise expected.error(outcome.describe()) from outcome.exc
    known = crash_class(outcome)
    if tolerate_open and known is not None and known is not expected and is_open(known.name):
        return
    if outcome.exc is not None:
        raise outcome.exc
    raise AssertionError(outcome.describe())  # pragma: no cover


# --- running a reproducer -----------------------------------------------------------------


def cryptography_required() -> bool:
    """openimr declares the cryptography package (directly or as pypdf[crypto])."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return any("cryptography" in d or "crypto]" in d for d in project.get("dependencies", []))


@contextlib.contextmanager
def without_cryptography() -> Iterator[None]:
    """pypdf as installed without an AES provider: its fallback crypt functions."""
    import pypdf._encryption as encryption
    from pypdf._crypt_providers import _fallback

    names = ["CryptAES", "aes_cbc_decrypt", "aes_cbc_encrypt", "aes_ecb_decrypt",
             "aes_ecb_encrypt"]  # fmt: skip
    saved = {n: getattr(encryption, n) for n in names if hasattr(encryption, n)}
    for name in saved:
        setattr(encryption, name, getattr(_fallback, name))
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(encryption, name, value)


@contextlib.contextmanager
def reproducer_path(crash: CrashClass) -> Iterator[Path]:
    path = CRASHERS / crash.reproducer
    if path.suffix != ".gz":
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        unpacked = Path(folder) / path.stem
        unpacked.write_bytes(gzip.decompress(path.read_bytes()))
        yield unpacked


def run_reproducer(crash: CrashClass) -> Outcome:
    """`openimr COMMAND REPRODUCER` in-process; the outcome of the whole command."""
    with reproducer_path(crash) as path, contextlib.ExitStack() as stack:
        if crash.without_cryptography and not cryptography_required():
            stack.enter_context(without_cryptography())
        fmt = {"parse": "jsonl"}.get(crash.command, "json")
        return run_command([crash.command, str(path), "--format", fmt]).outcome


@cache
def is_open(name: str) -> bool:
    """The class's reproducer still shows it (run once, when a crash of it is first seen)."""
    crash = BY_NAME[name]
    try:
        return crash.matches(run_reproducer(crash))
    except FuzzTimeout:  # pragma: no cover
        return False
