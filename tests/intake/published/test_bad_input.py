"""Bad input: one clear error per file, naming it; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from openimr.errors import UserError
from openimr.intake.published.reader import parse_letter_file, parse_letter_text
from tests.conftest import SEEDS, text_to_pdf


def _error(path: Path, **kwargs) -> str:
    with pytest.raises(UserError) as caught:
        parse_letter_file(path, **kwargs)
    message = str(caught.value)
    assert message.startswith(str(path))
    return message


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert "empty" in _error(path)


def test_whitespace_only_file(tmp_path):
    path = tmp_path / "blank.txt"
    path.write_text("  \n\n \t\n")
    assert "no text" in _error(path)


def test_text_that_is_not_a_letter(tmp_path):
    path = tmp_path / "recipe.txt"
    path.write_text("Mix the flour and the butter. Bake for forty minutes.\n")
    assert "does not look like an IMR Final Determination Letter" in _error(path)


def test_letter_with_no_decided_items(tmp_path):
    path = tmp_path / "undecided.txt"
    path.write_text(
        "HOW THE IMR FINAL DETERMINATION WAS MADE\nMAXIMUS sent the file to a reviewer.\n"
        "CLINICAL CASE SUMMARY\nThe patient is a 40 year old man.\n"
    )
    assert "no decided items" in _error(path)


def test_corrupt_pdf(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ngarbage that is not a PDF body")
    assert "not a readable PDF" in _error(path)


def test_truncated_pdf(tmp_path):
    text = (SEEDS / "001_8220bf60ca375ac6.txt").read_text()
    whole = text_to_pdf(text, tmp_path / "whole.pdf").read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    assert "truncated" in _error(path)


def test_pdf_with_no_text_layer_suggests_ocr(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path), invariant=1)
    pdf.rect(72, 72, 300, 400, fill=1)  # a page that is a picture, not text
    pdf.showPage()
    pdf.save()
    message = _error(path)
    assert "no text layer" in message and "OCR" in message


def test_encrypted_pdf(tmp_path):
    text = (SEEDS / "001_8220bf60ca375ac6.txt").read_text()
    path = text_to_pdf(text, tmp_path / "locked.pdf", encrypt="secret")
    assert "encrypted" in _error(path)


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("x" * 2048)
    assert "over the limit" in _error(path, max_bytes=1024)


def test_missing_file(tmp_path):
    assert "no such file" in _error(tmp_path / "absent.txt")


def test_unsupported_kind_of_file(tmp_path):
    path = tmp_path / "letter.docx"
    path.write_bytes(b"PK\x03\x04")
    assert "unsupported kind of file" in _error(path)


def test_text_in_windows_1252_is_read(tmp_path):
    text = (
        (SEEDS / "000_1c472b9f1a9e9143.txt").read_text().replace("Myofascial", "Myofascial (café)")
    )
    path = tmp_path / "cp1252.txt"
    path.write_bytes(text.encode("cp1252"))
    record = parse_letter_file(path)
    assert record.items[1].request.startswith("Myofascial (café) Release")


def test_parse_letter_text_names_the_source():
    with pytest.raises(UserError, match=r"^memo: "):
        parse_letter_text("hello", source="memo")
