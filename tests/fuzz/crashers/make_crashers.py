"""Write the reproducers of this folder again (they are committed; this says how they were made).

Run: `PYTHONPATH=src:. python tests/fuzz/crashers/make_crashers.py`. The AES PDFs need the
``cryptography`` package (pypdf's writer encrypts with it); without it they are left as they
are. Reproducers saved by ``bench/fuzz.py`` (minimized) are copied here by hand: so far
``pdf_broken_xref.pdf`` (a mutated RC4-encrypted PDF).
"""

from __future__ import annotations

import gzip
import json
import zlib

from tests.fuzz import generators as g

HERE = g.CRASHERS
CASE = {"case_id": "CM14-0001", "requests": [{"text": "MRI lumbar spine"}]}


def write(name: str, data: bytes | str) -> None:
    (HERE / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def main() -> None:
    write("yaml_impossible_date.yaml", "case_id: 2014-13-01\nrequests:\n  - text: MRI lumbar\n")
    write(
        "json_lone_surrogate.json",
        '{"case_id": "CM14-0001", "requests": [{"text": "MRI \\ud800 lumbar"}]}\n',
    )
    write(
        "facts_lone_surrogate.json",
        '{"case_id": "CM14-0001", "requests": [{"text": "MRI \\ud800 lumbar"}]}\n',
    )
    deep = "[" * 1000 + "]" * 1000
    write("json_deep_nesting.json", json.dumps(CASE)[:-1] + f', "records": {deep}}}\n')
    write("yaml_deep_nesting.yaml", f"case_id: x\nrequests:\n  - text: MRI\nrecords: {deep}\n")
    write(
        "jsonl_deep_nesting.jsonl",
        json.dumps(CASE) + "\n" + json.dumps(CASE)[:-1] + f', "records": {deep}}}\n',
    )
    huge = "1" + "0" * 4300
    write("json_huge_integer.json", json.dumps(CASE)[:-1] + f', "decision_date": {huge}}}\n')
    write(
        "jsonl_huge_integer.jsonl",
        json.dumps(CASE) + "\n" + json.dumps(CASE)[:-1] + f', "decision_date": {huge}}}\n',
    )
    big = dict(CASE, clinical_summary="Low back pain. " * 70_000)  # 1,050,000 characters
    write("case_over_1m_chars.json.gz", gzip.compress(json.dumps(big).encode(), mtime=0))
    write(
        "pdf_unsupported_filter.pdf",
        g.pdf_with_content(g.CASE_CONTENT, stream_extra=b"/Filter /FooDecode"),
    )
    write(
        "pdf_abbreviated_filter.pdf",
        g.pdf_with_content(g.CASE_CONTENT.hex().encode() + b">", stream_extra=b"/Filter /AHx"),
    )
    write(
        "pdf_jbig2_decoder_missing.pdf",
        g.pdf_with_content(g.CASE_CONTENT, stream_extra=b"/Filter /JBIG2Decode"),
    )
    write(
        "pdf_decode_columns_limit.pdf",
        g.pdf_with_content(
            zlib.compress(g.CASE_CONTENT),
            stream_extra=b"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 99999999 >>",
        ),
    )
    write(
        "pdf_read_length_limit.pdf",
        g.pdf_with_content(
            b"BT /F1 " + b"1" * 100 + b" Tf 40 700 Td (Request: MRI lumbar spine) Tj ET"
        ),
    )
    write(
        "date_overflow.json",
        '{"case_id": "CM14-0001", "decision_date": "June 99999999999999999999, 2014", '
        '"requests": [{"text": "MRI lumbar spine"}]}\n',
    )
    head = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
    head += b"1 begincodespacerange <00> <FF> endcodespacerange\n"
    tail = b"\nendcmap CMapName currentdict /CMap defineresource pop end end"
    for name, body in [
        ("pdf_tounicode_too_long.pdf", b"1 beginbfchar <41> <" + b"0041" * 1000 + b"> endbfchar"),
        ("pdf_tounicode_overflow.pdf",
         b"1 beginbfrange <00> <FF> [" + b"<0041> " * 257 + b"] endbfrange"),
    ]:  # fmt: skip
        write(name, _tounicode_pdf(head + body + tail))
    case_pdf = g.reportlab_pdf("Case ID: CM14-0001\nRequest: MRI lumbar spine\n")
    write("pdf_xref_size_limit.pdf", case_pdf.replace(b"xref\n0 ", b"xref\n0 99999", 1))
    rc4 = g.pypdf_encrypt(case_pdf, "RC4-40", "")
    write("pdf_encryption_v0.pdf", rc4.replace(b"/V 1", b"/V 0"))
    write("pdf_warnings_on_stderr.pdf", case_pdf.replace(b"%%EOF", b""))
    try:
        for algorithm in ("AES-128", "AES-256"):
            for password in ("", "secret"):
                name = f"pdf_{algorithm.lower().replace('-', '')}_{password or 'empty'}.pdf"
                write(name, g.pypdf_encrypt(case_pdf, algorithm, password))
    except Exception as exc:  # DependencyError: no cryptography here
        print(f"AES PDFs left as they are ({type(exc).__name__})")


def _tounicode_pdf(cmap: bytes) -> bytes:
    return g.raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            g.tounicode_font(cmap)[0],
            g._stream(g.CASE_CONTENT),
            g.tounicode_font(cmap)[1],
        ]
    )


if __name__ == "__main__":
    main()
