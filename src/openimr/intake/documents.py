"""Documents to text: plain text and PDF files, read safely, with mojibake repaired.

Every failure a user can cause (missing, empty, too large, corrupt or encrypted PDF, an
unsupported kind of file) raises ``UserError`` naming the file and the problem.
"""

from __future__ import annotations

import re
from pathlib import Path

from openimr.errors import UserError

MAX_BYTES = 10 * 1024 * 1024
"""Larger files are refused: no letter or case file is near this, and a mistake may be."""

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
    source = str(path)
    check_file(path, max_bytes=max_bytes)
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        text = _pdf_text(path)
    elif suffix in TEXT_SUFFIXES:
        text = decode_text(path.read_bytes())
    else:
        raise UserError(
            f"unsupported kind of file {suffix or '(no extension)'!r}; expected .txt or .pdf",
            source=source,
        )
    text = repair_text(text)
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
    if not text.isascii():
        # ftfy is the slow part of reading (and of start-up): ASCII lines need nothing of it.
        import ftfy

        text = "\n".join(
            line if line.isascii() else ftfy.fix_text(line, normalization="NFC")
            for line in text.split("\n")
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    return _RUN_ON_SENTENCE.sub(". ", text)


def _pdf_text(path: Path) -> str:
    # Imported here: reading text files should not pay for the PDF library.
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    source = str(path)
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UserError("the PDF is encrypted and needs a password", source=source)
        pages = [page.extract_text() or "" for page in reader.pages]
    except UserError:
        raise
    except FileNotDecryptedError:
        raise UserError("the PDF is encrypted and needs a password", source=source) from None
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UserError(f"not a readable PDF ({type(exc).__name__})", source=source) from None
    if not pages:
        raise UserError("the PDF has no pages", source=source)
    # A page break is not a paragraph break: a sentence often runs on to the next page.
    return "\n".join(page.strip("\n") for page in pages)
