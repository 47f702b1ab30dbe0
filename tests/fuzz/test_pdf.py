"""PDF case files and letters: small PDFs made with reportlab (and by hand, for filters and
font maps), truncated, flipped, with a broken xref or objects, encrypted with pypdf's writer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import generators as g
from tests.fuzz.generators import FuzzInput
from tests.fuzz.harness import run_input
from tests.fuzz.known import check, cryptography_required, without_cryptography
from tests.fuzz.props import Family, fuzz_settings, params, run_family

SUPPORTED = [b"/FlateDecode", b"/ASCII85Decode", b"/ASCIIHexDecode", b"/LZWDecode",
             b"/RunLengthDecode", b"/DCTDecode", b"/JPXDecode", b"/CCITTFaxDecode", b"/Crypt",
             b"[/FlateDecode /ASCII85Decode]", b"[]"]  # fmt: skip
UNKNOWN = [b"/FooDecode", b"[/FlateDecode /Bogus]", b"7", b"(FlateDecode)"]
ABBREVIATED = [b"/Fl", b"/AHx", b"/A85", b"/RL", b"/CCF", b"/LZW", b"/DCT"]
SAFE_PARMS = [p for p in g.DECODE_PARMS if b"99999999" not in p]
COLUMNS = [p for p in g.DECODE_PARMS if b"99999999" in p]


def _filter(filters, parms=None):
    def make(rnd):
        data, name = g.pdf_filter(rnd, filters, parms or SAFE_PARMS)
        return FuzzInput("pdf", ".pdf", data, mutation=name)

    return make


def _cmap(kinds):
    def make(rnd):
        data, name = g.tounicode_cmap(rnd, kinds)
        return FuzzInput("pdf", ".pdf", data, mutation=name)

    return make


def _with(function):
    def make(rnd):
        _name, data = rnd.choice(g.base_pdfs()[:4])
        data, how = function(data, rnd)
        return FuzzInput("pdf", ".pdf", data, target=rnd.choice(["case", "letter"]), mutation=how)

    return make


def _xref(data, rnd):
    data, how = g._break_xref(data, rnd)
    return (data, how) if how != "xref count" else (data.replace(b"%%EOF", b""), "no %%EOF")


def _encrypted(prefix):
    def make(rnd):
        name, data = rnd.choice([p for p in g.base_pdfs() if p[0].startswith(prefix)])
        return FuzzInput("pdf", ".pdf", data, target=rnd.choice(["case", "letter"]), mutation=name)

    return make


FAMILIES = [
    Family("valid", lambda r: g.gen_pdf(r, "valid"), 10),
    Family("byte-mutations", lambda r: g.gen_pdf(r, "bytes"), 150),
    Family("truncated", lambda r: g.gen_pdf(r, "truncate"), 60),
    Family("broken-xref", _with(_xref), 40),
    Family("broken-objects", _with(g._break_object), 40),
    Family("junk", lambda r: g.gen_pdf(r, "junk"), 15),
    Family("supported-filters", _filter(SUPPORTED), 40),
    Family("tounicode-odd", _cmap(["bad", "nested", "odd"]), 20),
    Family("encrypted-rc4", _encrypted("RC4"), 12),
    Family("encrypted-reportlab", _encrypted("reportlab"), 3),
    Family("unknown-filter", _filter(UNKNOWN), 10, "pdf_unsupported_filter"),
    Family("abbreviated-filter", _filter(ABBREVIATED), 10, "pdf_abbreviated_filter"),
    Family("jbig2-filter", _filter([b"/JBIG2Decode"]), 5, "pdf_jbig2_decoder_missing"),
    Family("decode-columns", _filter([b"/FlateDecode"], COLUMNS), 5, "pdf_decode_columns_limit"),
    Family("tounicode-over-limits", _cmap(["long", "range"]), 10, "pdf_tounicode_limit"),
    Family("tounicode-too-many", _cmap(["huge"]), 5, "pdf_tounicode_overflow"),
    Family(
        "xref-count",
        _with(lambda d, r: (d.replace(b"xref\n0 ", b"xref\n0 9999", 1), "n")),
        5,
        "pdf_xref_size_limit",
    ),
    Family(
        "long-number-token",
        lambda r: FuzzInput("pdf", ".pdf", g.long_number_content(r)[0]),
        5,
        "pdf_read_length_limit",
    ),
    Family(
        "encryption-v0",
        _with(
            lambda d, r: (
                g.pypdf_encrypt(d, r.choice(["RC4-40"]), "").replace(b"/V 1", b"/V 0"),
                "V 0",
            )
        ),
        5,
        "pdf_encryption_v0",
    ),
]


@pytest.mark.parametrize("family", params(FAMILIES))
def test_pdf(family, tmp_path):
    run_family(family, tmp_path)


AES = Family("encrypted-aes", _encrypted("AES"), 12)


@pytest.mark.parametrize("family", params([AES]))
def test_pdf_aes_as_installed(family, tmp_path):
    """AES PDFs with whatever crypt provider pypdf has here."""
    run_family(family, tmp_path)


AES_BARE = Family("encrypted-aes-no-cryptography", _encrypted("AES"), 12,
                  None if cryptography_required() else "pdf_aes_without_cryptography")  # fmt: skip


@pytest.mark.parametrize("family", params([AES_BARE]))
def test_pdf_aes_without_cryptography(family, tmp_path):
    """AES PDFs as openimr installs them: pypdf without the cryptography package (not a
    dependency of openimr), unless openimr comes to require it."""
    if cryptography_required():
        run_family(family, tmp_path)
        return
    with without_cryptography():
        run_family(family, tmp_path)


@fuzz_settings(60)
@given(body=st.binary(max_size=3000), target=st.sampled_from(["case", "letter"]))
def test_any_bytes_after_a_pdf_header(tmp_path_factory, body, target):
    data = b"%PDF-1.4\n" + body
    outcome = run_input(FuzzInput("pdf", ".pdf", data, target=target), tmp_path_factory.mktemp("p"))
    check(outcome)
