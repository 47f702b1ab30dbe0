"""Documents to text: plain text and PDF files, read safely, with mojibake repaired.

Every failure a user can cause (missing, empty, too large, corrupt or encrypted PDF, an
unsupported kind of file) raises ``UserError`` naming the file and the problem.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from pathlib import Path

from openimr.errors import UserError
from openimr.intake.limits import MAX_FILE_BYTES

MAX_BYTES = MAX_FILE_BYTES

TEXT_SUFFIXES = (".txt", ".text")
PDF_SUFFIXES = (".pdf",)
DOCUMENT_SUFFIXES = TEXT_SUFFIXES + PDF_SUFFIXES

# A sentence run into the next by extraction ("2010.Medical records"): restore the space.
_RUN_ON_SENTENCE = re.compile(r"(?<=[a-z0-9)]{2})\.(?=[A-Z][a-z])")


def check_file(path: Path, *, max_bytes: int = MAX_BYTES) -> int:
    """The size of a readable, non-empty file within the limit; else a UserError naming it."""
    source = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise UserError("no such file", source=source) from None
    except OSError as exc:
        raise UserError(f"cannot read the file ({exc.strerror})", source=source) from None
    if not path.is_file():
        raise UserError("not a file", source=source)
    if size == 0:
        raise UserError("the file is empty", source=source)
    if size > max_bytes:
        raise UserError(
            f"the file is {size:,} bytes, over the limit of {max_bytes:,}", source=source
        )
    return size


def read_document(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """Return the repaired text of a .txt or .pdf file."""
    text = repair_text(read_raw_document(path, max_bytes=max_bytes))
    if not text.strip():
        raise UserError("the file holds no text", source=str(path))
    return text


def read_raw_document(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """The text of a .txt file as decoded, or of a PDF as extracted: nothing repaired, so that
    evidence offsets can point into exactly this text."""
    source = str(path)
    if path.is_dir():
        raise UserError("is a folder, not a file", source=source)
    check_file(path, max_bytes=max_bytes)
    return raw_document_text(path.read_bytes(), path.suffix, source)


def raw_document_text(data: bytes, suffix: str, source: str) -> str:
    """The text of a document's bytes, by its kind (``.txt`` or ``.pdf``), as
    ``read_raw_document`` reads a file: for bytes that did not come from a file (an upload)."""
    suffix = suffix.lower()
    if suffix in PDF_SUFFIXES:
        text = _pdf_text(data, source)
    elif suffix in TEXT_SUFFIXES:
        text = decode_text(data)
    else:
        raise UserError(
            f"unsupported kind of file {suffix or '(no extension)'!r}; expected .txt or .pdf",
            source=source,
        )
    if not text.strip():
        raise UserError("the file holds no text", source=source)
    return text


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, the encodings letters come in."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def repair_text(text: str) -> str:
    """Fix mojibake (``Â§Â§`` -> ``§§``), odd line ends and run-on sentences."""
    return repair_mapped(text).text


class _Step:
    """One repair pass: its changed regions, as (new start, new end, old start, old end)."""

    def __init__(self, changes: list[tuple[int, int, int, int]]) -> None:
        self.changes = changes
        self.new_ends = [change[1] for change in changes]

    def to_old(self, position: int, *, end: bool) -> int:
        # The first change not wholly before the position (a span's end may touch it).
        index = (bisect_left if end else bisect_right)(self.new_ends, position)
        shift = 0
        if index:
            _, new_end, _, old_end = self.changes[index - 1]
            shift = old_end - new_end
        if index < len(self.changes):
            new_start, new_end, old_start, old_end = self.changes[index]
            if end and new_start < position <= new_end:
                return old_end
            if not end and new_start <= position < new_end:
                return old_start
        return position + shift


@dataclass(frozen=True)
class Repaired:
    """A repaired text and the way back to the positions of the text it was made from."""

    text: str
    original: str
    steps: tuple[_Step, ...] = ()

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The (start, end) in the original text of ``text[start:end]``."""
        empty = start == end
        for step in reversed(self.steps):
            start, end = step.to_old(start, end=False), step.to_old(end, end=True)
            end = start if empty else max(start, end)
        return start, end


def _apply(text: str, edits: list[tuple[int, int, str]]) -> tuple[str, _Step | None]:
    """Apply sorted, non-overlapping (start, end, replacement) edits, keeping the way back."""
    if not edits:
        return text, None
    pieces, changes, last, new_length = [], [], 0, 0
    for start, end, replacement in edits:
        pieces.append(text[last:start])
        new_length += start - last
        changes.append((new_length, new_length + len(replacement), start, end))
        pieces.append(replacement)
        new_length += len(replacement)
        last = end
    pieces.append(text[last:])
    return "".join(pieces), _Step(changes)


def _mojibake_edits(text: str) -> list[tuple[int, int, str]]:
    if text.isascii():
        return []
    # ftfy is the slow part of reading (and of start-up): ASCII lines need nothing of it.
    import difflib

    import ftfy

    edits, offset = [], 0
    for line in text.split("\n"):
        if not line.isascii():
            fixed = ftfy.fix_text(line, normalization="NFC")
            if fixed != line:
                matcher = difflib.SequenceMatcher(None, line, fixed, autojunk=False)
                for tag, a0, a1, b0, b1 in matcher.get_opcodes():
                    if tag != "equal":
                        edits.append((offset + a0, offset + a1, fixed[b0:b1]))
        offset += len(line) + 1
    return edits


_LINE_ENDS = re.compile(r"\r\n?|\f")


def repair_mapped(text: str) -> Repaired:
    """The repaired text, with the map back to ``text``'s positions."""
    steps = []
    current = text
    for edits in (
        _mojibake_edits,
        lambda t: [(m.start(), m.end(), "\n") for m in _LINE_ENDS.finditer(t)],
        lambda t: [(m.start(), m.end(), ". ") for m in _RUN_ON_SENTENCE.finditer(t)],
    ):
        current, step = _apply(current, edits(current))
        if step is not None:
            steps.append(step)
    return Repaired(current, text, tuple(steps))


# PDFium's load errors (``PdfiumError.err_code``, FPDF_ERR_*) as a user reads them.
_PDFIUM_LOAD_ERRORS = {
    1: "not a readable PDF (PDFium: unknown error)",
    2: "not a readable PDF (PDFium: file access error)",
    3: "not a readable PDF (damaged: PDFium data format error)",
    4: "the PDF is encrypted and needs a password",
    5: "the PDF is encrypted with a security scheme PDFium does not support",
}
_PDFIUM_FORMAT_ERROR = 3
# A line-end hyphen PDFium marks as U+FFFE (the line break removed with it), and the line
# ends it gives as "\r\n".
_PDFIUM_HYPHEN = "\ufffe"

# PDFium is one C library shared by the whole process, and not thread-safe.
_PDFIUM_LOCK = threading.Lock()


def _pdf_text(data: bytes, source: str) -> str:
    """The text of every page, by PDFium (pypdfium2): "\n" line ends, hyphens as written.

    A paragraph's wrapped lines keep the space they broke at; its last line has none. That is
    the only paragraph mark in PDFium's text (it gives no blank lines)."""
    # Imported here: reading text files should not pay for the PDF library.
    import pypdfium2 as pdfium

    try:
        with _PDFIUM_LOCK:
            # The DWC publishes letters encrypted with an empty password: that opens them.
            document = pdfium.PdfDocument(data, password="")
            try:
                pages = []
                for index in range(len(document)):
                    page = document[index]
                    textpage = page.get_textpage()
                    pages.append(textpage.get_text_range())
                    textpage.close()
                    page.close()
            finally:
                document.close()
    except pdfium.PdfiumError as exc:
        message = _PDFIUM_LOAD_ERRORS.get(exc.err_code or 0)
        if exc.err_code == _PDFIUM_FORMAT_ERROR and b"%%EOF" not in data[-2048:]:
            message = "not a readable PDF (truncated: it stops before its end-of-file marker)"
        elif message is None:  # a page or its text that PDFium cannot load
            message = f"not a readable PDF (PDFium: {str(exc).rstrip('.')})"
        raise UserError(message, source=source) from None
    if not pages:
        raise UserError("the PDF has no pages", source=source)
    pages = [page.replace("\r\n", "\n").replace(_PDFIUM_HYPHEN, "-") for page in pages]
    if not any(page.strip() for page in pages):
        raise UserError(
            "the PDF has no text layer (a scanned image?); run OCR on it first", source=source
        )
    # A page break is not a paragraph break: a sentence often runs on to the next page.
    return "\n".join(page.strip("\n") for page in pages)
