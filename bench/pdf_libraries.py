"""Choose the PDF library by measurement (issue 10): speed and fidelity on real IMR letters.

For each candidate installed (pypdf with its crypto extra, pypdfium2, pdfminer.six,
pdfplumber) this extracts the text of every DWC letter in shared/corpus/dwc-2016 (AES
encrypted with an empty user password) and of the seed letters typeset into PDFs, and prints
a Markdown report:

- speed: letters a second on one core, median of --rounds rounds after a warm-up pass, by
  the wall clock (perf_counter) and by this process's CPU time (process_time), which stays
  put when other work shares the core;
- items: every item of decisions.jsonl (seeds: gold.json) found by its title words and its
  decision word, and strictly as "<title>: <decision>";
- reading order: CLINICAL CASE SUMMARY before IMR ISSUES, and the items after it in order;
- header block: "Case Number: ... Date Assigned: ... Date of Injury: ... Decision Date: ...
  UR Denial Date: ... Priority: ... Application Received: ..." with each value right after
  its label, in that order, and the Decision Date equal to decisions.jsonl's;
- broken words: tokens not in the dictionary, tokens over 25 letters, words split by a stray
  space, words joined without one, line-end hyphens left in;
- running headers, footers and page numbers, and whether the text comes page by page;
- for the typeset seeds, the extracted words against the source text;
- every letter a library cannot open or read, with the exception.

Run: `python bench/pdf_libraries.py` (libraries not installed are skipped).
`--dump DIR` also writes every library's raw text of every letter, pages split by a form feed.
The dictionary is /usr/share/dict/words (Debian's wamerican) when there, plus the seed texts.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import io
import itertools
import json
import logging
import re
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._one_core import pin_to_one_core  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus"
CONFTEST = ROOT / "tests" / "conftest.py"
DICTIONARY = Path("/usr/share/dict/words")


# --------------------------------------------------------------------------- extractors
# Each takes a path and returns the raw text of each page, as the library gives it.


def _pypdf(path: Path) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):
        raise RuntimeError("the empty password does not open it")
    return [page.extract_text() or "" for page in reader.pages]


def _pypdfium2(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path, password="")
    try:
        pages = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            # get_text_range keeps U+FFFE where a word is hyphenated over a line end;
            # get_text_bounded drops it and the hyphen with it ("non-certified" -> "noncertified").
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return pages
    finally:
        pdf.close()


def _pdfminer(path: Path) -> list[str]:
    from pdfminer.converter import TextConverter
    from pdfminer.layout import LAParams
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    manager = PDFResourceManager()
    out = io.StringIO()
    device = TextConverter(manager, out, laparams=LAParams())
    interpreter = PDFPageInterpreter(manager, device)
    pages = []
    with open(path, "rb") as stream:
        for page in PDFPage.get_pages(stream, password="", check_extractable=False):
            interpreter.process_page(page)
            pages.append(out.getvalue().rstrip("\f"))  # the converter ends each page with \f
            out.seek(0)
            out.truncate()
    device.close()
    return pages


def _pdfplumber(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path, password="") as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


@dataclass
class Candidate:
    name: str
    distribution: str
    module: str
    extract: Callable[[Path], list[str]]
    pages_api: str
    decrypt_api: str
    installed: bool = False
    version: str = ""
    licence: str = ""


CANDIDATES = [
    Candidate(
        "pypdf", "pypdf", "pypdf", _pypdf,
        "reader.pages[i].extract_text()",
        'r = PdfReader(path); r.is_encrypted and r.decrypt("")  (AES needs cryptography)',
    ),
    Candidate(
        "pypdfium2", "pypdfium2", "pypdfium2", _pypdfium2,
        "pdf[i].get_textpage().get_text_range()",
        'pdfium.PdfDocument(path, password="")',
    ),
    Candidate(
        "pdfminer.six", "pdfminer.six", "pdfminer", _pdfminer,
        "PDFPage.get_pages() + TextConverter; extract_text() ends each page with \\f",
        'PDFPage.get_pages(fp, password="") / extract_text(path, password="")',
    ),
    Candidate(
        "pdfplumber", "pdfplumber", "pdfplumber", _pdfplumber,
        "pdf.pages[i].extract_text()",
        'pdfplumber.open(path, password="")',
    ),
]  # fmt: skip


def _licence(distribution: str) -> str:
    """The licence the package declares: its SPDX expression, else its classifiers."""
    meta = metadata.metadata(distribution)
    if meta.get("License-Expression"):
        return meta["License-Expression"]
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::")
    ]
    licence = (meta.get("License") or "").strip().splitlines()
    return "; ".join(classifiers) or (licence[0] if licence else "unknown")


def _probe(candidates: list[Candidate]) -> None:
    for candidate in candidates:
        try:
            __import__(candidate.module)
            candidate.version = metadata.version(candidate.distribution)
            candidate.licence = _licence(candidate.distribution)
            candidate.installed = True
        except Exception:  # not installed, or broken: skipped
            candidate.installed = False
    for candidate in candidates:
        if candidate.name == "pypdf" and candidate.installed:
            try:
                __import__("cryptography")
            except ImportError:
                candidate.installed = False  # without the crypto extra it opens no DWC letter


# --------------------------------------------------------------------------- corpora


@dataclass
class Letter:
    path: Path
    items: list[tuple[str, str]]  # (title, decision)
    decision_date: str | None = None  # MM/DD/YYYY as printed
    source_text: str | None = None  # the text it was typeset from, when known


def _dwc_letters(folder: Path) -> list[Letter]:
    records = {}
    for line in (folder / "decisions.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            records[record["file"]] = record
    letters = []
    for path in sorted(folder.glob("*.pdf")):
        record = records.get(path.name, {"items": []})
        date = record.get("decision_date")
        printed = f"{date[5:7]}/{date[8:10]}/{date[0:4]}" if date else None
        items = [(item["title"], item["decision"]) for item in record["items"]]
        letters.append(Letter(path, items, printed))
    return letters


def _text_to_pdf() -> Callable[..., Path]:
    """tests/conftest.py's text_to_pdf, without needing pytest or hypothesis to import it."""
    try:
        from tests.conftest import text_to_pdf

        return text_to_pdf
    except ImportError:
        tree = ast.parse(CONFTEST.read_text(encoding="utf-8"))
        node = next(n for n in tree.body if getattr(n, "name", "") == "text_to_pdf")
        namespace: dict = {"Path": Path}
        exec(
            compile(ast.Module([node], type_ignores=[]), str(CONFTEST), "exec"),
            {"__builtins__": __builtins__, "annotations": None, **namespace},
            namespace,
        )
        return namespace["text_to_pdf"]


def _seed_letters(folder: Path, target: Path) -> list[Letter]:
    text_to_pdf = _text_to_pdf()
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))["documents"]
    letters = []
    for seed in sorted(folder.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        pdf = text_to_pdf(text, target / seed.with_suffix(".pdf").name)
        items = [(i["request"], i["decision"]) for i in gold.get(seed.name, {}).get("items", [])]
        letters.append(Letter(pdf, items, None, text))
    return letters


# --------------------------------------------------------------------------- measures


def normalise(text: str) -> str:
    """What the reader would do first: one line-end convention, pdfium's hyphen mark as '-'."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-")


def flat(text: str) -> str:
    """One space for any whitespace; a hyphen at a line end keeps the word whole."""
    text = re.sub(r"-[ \t]*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip()


WORD = re.compile(r"[A-Za-z]+")
HEADER = re.compile(
    r"Case Number: ?CM\d\d-\d{7} Date Assigned: ?\d\d/\d\d/\d{4} Date of Injury: ?\d\d/\d\d/\d{4}"
    r" Decision Date: ?(\d\d/\d\d/\d{4}) UR Denial Date: ?\d\d/\d\d/\d{4} Priority: ?\w+"
    r" Application Received: ?\d\d/\d\d/\d{4}"
)
PAGE_NUMBER = re.compile(r"^\s*(page\s*)?\d{1,3}(\s*(of|/)\s*\d{1,3})?\s*$", re.I | re.M)


def _vocabulary(seeds: Path) -> set[str]:
    words: set[str] = set()
    if DICTIONARY.exists():
        for line in DICTIONARY.read_text(encoding="utf-8", errors="replace").splitlines():
            words.add(line.split("'")[0].lower())
    for seed in seeds.glob("*.txt"):
        words.update(w.lower() for w in WORD.findall(seed.read_text(encoding="utf-8")))
    return words


@dataclass
class Result:
    letters: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    rate: float | None = None
    cpu_rate: float | None = None
    items: int = 0
    items_words: int = 0
    items_strict: int = 0
    order_ok: int = 0
    order_total: int = 0
    header_ok: int = 0
    decision_date_ok: int = 0
    header_total: int = 0
    tokens: int = 0
    unknown: int = 0
    over25: int = 0
    split: int = 0
    unique_unknown: int = 0
    unknown_words: dict[str, Counter] = field(default_factory=dict)
    line_end_hyphens: int = 0
    pdfium_hyphen_marks: int = 0
    page_number_lines: int = 0
    repeated_lines: int = 0
    multi_page: int = 0
    carriage_returns: int = 0
    trailing_space_lines: float = 0.0
    blank_lines: int = 0
    lines: int = 0
    seed_similarity: list[float] = field(default_factory=list)
    seed_exact: int = 0
    examples: dict[str, Counter] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)

    def example(self, kind: str, text: str) -> None:
        self.examples.setdefault(kind, Counter())[text] += 1


def _broken_words(
    letter_name: str, tokens: list[re.Match], text: str, words: set[str], result: Result
) -> None:
    for match in tokens:
        token = match.group(0)
        lower = token.lower()
        if lower in words:
            continue
        result.unknown += 1
        result.unknown_words.setdefault(letter_name, Counter())[token] += 1
        if len(token) > 25:
            result.over25 += 1
            result.example("over 25 letters", token)
    for first, second in itertools.pairwise(tokens):
        gap = text[first.end() : second.start()]
        if gap not in (" ", "\n") and not (gap.strip() == "" and len(gap) < 3):
            continue
        a, b = first.group(0).lower(), second.group(0).lower()
        if (a in words and b in words) or len(a + b) < 5:
            continue
        if (a + b) in words:
            result.split += 1
            result.example("split", f"{first.group(0)}{gap!r}{second.group(0)}")


def measure(letter: Letter, pages: list[str], words: set[str], result: Result) -> None:
    raw = "\n".join(pages)
    result.carriage_returns += raw.count("\r")
    result.pdfium_hyphen_marks += raw.count("\ufffe")
    pages = [normalise(page) for page in pages]
    text = "\n".join(pages)
    lines = text.split("\n")
    result.lines += len(lines)
    result.blank_lines += sum(1 for line in lines if not line.strip())
    result.trailing_space_lines += sum(
        1 for line in lines if line.strip() and line != line.rstrip()
    )
    for m in re.finditer(r"[A-Za-z]-[ \t]*\n\s*[A-Za-z]", text):
        result.line_end_hyphens += 1
        result.example("line-end hyphen", re.sub(r"\s+", " ", text[m.start() - 8 : m.end() + 6]))
    flat_text = flat(text)
    lower_words = {w.lower() for w in WORD.findall(flat_text)}

    # (a) items
    for title, decision in letter.items:
        result.items += 1
        title_words = {w.lower() for w in WORD.findall(title)}
        if title_words <= lower_words and decision.lower() in lower_words:
            result.items_words += 1
        if re.search(re.escape(flat(title)) + r"(?: is)? ?: ?" + decision, flat_text):
            result.items_strict += 1

    # (b) reading order
    summary = flat_text.find("CLINICAL CASE SUMMARY")
    issues = flat_text.find("IMR ISSUES")
    if letter.items:
        result.order_total += 1
        ok = 0 <= summary < issues
        cursor = issues
        for title, _ in letter.items:
            found = flat_text.find(flat(title), cursor) if ok else -1
            ok = found >= 0
            cursor = found + 1
        result.order_ok += ok

    # header block (DWC letters only)
    if letter.decision_date is not None:
        result.header_total += 1
        header = HEADER.search(flat_text[: flat_text.find("HOW THE IMR")])
        result.header_ok += header is not None
        date = re.search(r"Decision Date: ?(\d\d/\d\d/\d{4})", flat_text)
        result.decision_date_ok += bool(date and date.group(1) == letter.decision_date)

    # (c) broken words
    tokens = list(WORD.finditer(text))
    result.tokens += len(tokens)
    _broken_words(letter.path.name, tokens, text, words, result)

    # (d) page numbers and lines on every page
    result.page_number_lines += len(PAGE_NUMBER.findall(text))
    for m in PAGE_NUMBER.finditer(text):
        result.example("page number line", m.group(0).strip())
    if len(pages) > 1:
        result.multi_page += 1
        per_page = [{line.strip() for line in page.split("\n") if line.strip()} for page in pages]
        for line in set.intersection(*per_page):
            result.repeated_lines += 1
            result.example("on every page", line)

    # typeset seeds: the words against the source text
    if letter.source_text is not None:
        source = WORD.findall(letter.source_text)
        got = WORD.findall(text)
        ratio = difflib.SequenceMatcher(None, source, got, autojunk=False).ratio()
        result.seed_similarity.append(ratio)
        result.seed_exact += source == got


@contextlib.contextmanager
def _quiet():
    """The libraries log and warn about what they work around (e.g. pdfminer's 'should not
    allow text extraction' for the DWC permission bits); that is not what is measured."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            yield
        finally:
            logging.disable(previous)


def _extract(candidate: Candidate, path: Path) -> list[str]:
    with _quiet():
        return candidate.extract(path)


def run(candidate: Candidate, letters: list[Letter], words: set[str], rounds: int,
        copies: int = 1) -> Result:  # fmt: skip
    result = Result(letters=len(letters))
    readable = []
    for letter in letters:  # warm-up pass, and the fidelity measures
        try:
            pages = _extract(candidate, letter.path)
        except Exception as exc:
            result.failures.append((letter.path.name, f"{type(exc).__name__}: {exc}"[:200]))
            continue
        readable.append(letter)
        result.texts[letter.path.name] = pages
        measure(letter, pages, words, result)
    if readable:
        rates, cpu_rates = [], []
        for _ in range(rounds):
            start, cpu = time.perf_counter(), time.process_time()
            for _ in range(copies):
                for letter in readable:
                    _extract(candidate, letter.path)
            rates.append(len(readable) * copies / (time.perf_counter() - start))
            cpu_rates.append(len(readable) * copies / (time.process_time() - cpu))
        result.rate = statistics.median(rates)
        # CPU time of this process: the same figure when other work shares the core.
        result.cpu_rate = statistics.median(cpu_rates)
    return result


# --------------------------------------------------------------------------- across libraries


def _compare(results: dict[str, Result]) -> None:
    """Unknown words that only one library gives, for the same letter: its own splits and joins."""
    for name, result in results.items():
        others = [r for n, r in results.items() if n != name]
        for letter, counter in result.unknown_words.items():
            seen: set[str] = set()
            for other in others:
                seen.update(other.unknown_words.get(letter, ()))
            for token, count in counter.items():
                if others and token not in seen:
                    result.unique_unknown += count
                    result.example("unknown word no other library gives", token)


def _words(pages: list[str], body: bool) -> list[str]:
    text = flat(normalise("\n".join(pages)))
    if body:
        text = text.split("HOW THE IMR", 1)[-1]
    return text.split(" ")


def _agreement(candidates: list[Candidate], results: dict[str, Result]) -> str:
    """Pairwise: runs of words where two libraries' texts differ (difflib opcodes)."""
    out = [
        "| pair | differing runs, whole text | differing runs, after the header block "
        "| letters that differ | examples (first library -> second) |",
        "|---|---|---|---|---|",
    ]
    names = [c.name for c in candidates]
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            whole = body = differ = 0
            examples: Counter = Counter()
            for letter, pages in results[first].texts.items():
                other = results[second].texts.get(letter)
                if other is None:
                    continue
                for is_body in (False, True):
                    a, b = _words(pages, is_body), _words(other, is_body)
                    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
                    runs = [op for op in matcher.get_opcodes() if op[0] != "equal"]
                    if is_body:
                        body += len(runs)
                        for _, i1, i2, j1, j2 in runs:
                            was, now = " ".join(a[i1:i2])[:50], " ".join(b[j1:j2])[:50]
                            examples[f"{was!r} -> {now!r}"] += 1
                    else:
                        whole += len(runs)
                        differ += bool(runs)
            shown = "; ".join(text for text, _ in examples.most_common(2)) or "-"
            out.append(f"| {first} / {second} | {whole} | {body} | {differ} | {shown} |")
    return "\n".join(out)


# --------------------------------------------------------------------------- report


def _rate(rate: float | None) -> str:
    return f"{rate:.1f}" if rate else "-"


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole}" if whole else "n/a"


def _table(candidates: list[Candidate], dwc: dict[str, Result], seeds: dict[str, Result]) -> str:
    names = [c.name for c in candidates]
    rows: list[tuple[str, Callable[[Result, Result], str]]] = [
        ("version", lambda d, s: ""),
        ("licence", lambda d, s: ""),
        ("dwc-2016 letters/s (one core, perf_counter)", lambda d, s: _rate(d.rate)),
        ("dwc-2016 letters/s of CPU (process_time)", lambda d, s: _rate(d.cpu_rate)),
        ("typeset seeds letters/s (perf_counter)", lambda d, s: _rate(s.rate)),
        ("typeset seeds letters/s of CPU (process_time)", lambda d, s: _rate(s.cpu_rate)),
        ("dwc letters opened and read", lambda d, s: _pct(d.letters - len(d.failures), d.letters)),
        ("seed PDFs read", lambda d, s: _pct(s.letters - len(s.failures), s.letters)),
        ("dwc items: title words + decision word", lambda d, s: _pct(d.items_words, d.items)),
        ("dwc items: '<title>[ is]: <decision>'", lambda d, s: _pct(d.items_strict, d.items)),
        ("seed items: '<title>[ is]: <decision>'", lambda d, s: _pct(s.items_strict, s.items)),
        ("dwc reading order (summary < issues, items in order)",
         lambda d, s: _pct(d.order_ok, d.order_total)),
        ("seed reading order", lambda d, s: _pct(s.order_ok, s.order_total)),
        ("dwc header block: labels + values in order",
         lambda d, s: _pct(d.header_ok, d.header_total)),
        ("dwc 'Decision Date: <date>' right",
         lambda d, s: _pct(d.decision_date_ok, d.header_total)),
        ("dwc words not in dictionary", lambda d, s: f"{100 * d.unknown / max(d.tokens, 1):.2f}%"),
        ("dwc tokens over 25 letters", lambda d, s: str(d.over25)),
        ("dwc words split by a stray space", lambda d, s: str(d.split)),
        ("dwc unknown words no other library gives", lambda d, s: str(d.unique_unknown)),
        ("dwc line-end hyphens left in ('x-\\nray')", lambda d, s: str(d.line_end_hyphens)),
        ("dwc U+FFFE hyphen marks (raw)", lambda d, s: str(d.pdfium_hyphen_marks)),
        ("dwc page-number lines", lambda d, s: str(d.page_number_lines)),
        ("dwc lines repeated on every page of a letter",
         lambda d, s: f"{d.repeated_lines} in {d.multi_page} multi-page letters"),
        ("dwc \\r characters (raw)", lambda d, s: str(d.carriage_returns)),
        ("dwc blank lines / lines", lambda d, s: f"{d.blank_lines}/{d.lines}"),
        ("dwc lines with trailing spaces", lambda d, s: f"{int(d.trailing_space_lines)}"),
        ("seed words vs source (difflib ratio, mean)",
         lambda d, s: f"{statistics.mean(s.seed_similarity):.4f}" if s.seed_similarity else "-"),
        ("seed word sequence identical to source", lambda d, s: _pct(s.seed_exact, s.letters)),
    ]  # fmt: skip
    out = ["| measure | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for label, cell in rows:
        if label == "version":
            cells = [c.version for c in candidates]
        elif label == "licence":
            cells = [c.licence for c in candidates]
        else:
            cells = [cell(dwc[n], seeds[n]) for n in names]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def _header_sample(candidates: list[Candidate], dwc: dict[str, Result], name: str) -> str:
    out = [f"### Header block of {name}, as extracted (up to 'HOW THE IMR')", ""]
    for candidate in candidates:
        pages = dwc[candidate.name].texts.get(name)
        if not pages:
            continue
        head = pages[0].split("HOW THE IMR")[0]
        out += [f"{candidate.name}:", "```", repr(head), "```", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "dwc-2016")
    parser.add_argument("--seeds", type=Path, default=SHARED / "seeds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed-copies", type=int, default=10,
                        help="passes over the seed PDFs in one timed round")  # fmt: skip
    parser.add_argument("--only", nargs="*", help="candidate names to run")
    parser.add_argument("--dump", type=Path, help="write each library's raw text here")
    args = parser.parse_args()
    pin_to_one_core()

    candidates = [c for c in CANDIDATES if not args.only or c.name in args.only]
    _probe(candidates)
    skipped = [c.name for c in candidates if not c.installed]
    candidates = [c for c in candidates if c.installed]
    if not candidates:
        sys.exit("none of the candidate libraries is installed")
    words = _vocabulary(args.seeds)
    dwc_letters = _dwc_letters(args.corpus)

    dwc: dict[str, Result] = {}
    seeds: dict[str, Result] = {}
    with tempfile.TemporaryDirectory() as folder:
        seed_letters = _seed_letters(args.seeds, Path(folder))
        for candidate in candidates:
            print(f"measuring {candidate.name} ...", file=sys.stderr, flush=True)
            dwc[candidate.name] = run(candidate, dwc_letters, words, args.rounds)
            seeds[candidate.name] = run(
                candidate, seed_letters, words, args.rounds, args.seed_copies
            )

    _compare(dwc)
    print("# PDF libraries on IMR letters (issue 10)\n")
    print(
        f"{len(dwc_letters)} DWC letters ({args.corpus}), "
        f"{sum(len(letter.items) for letter in dwc_letters)} items; {len(seed_letters)} seed "
        f"letters typeset with tests/conftest.py text_to_pdf. One core; median of "
        f"{args.rounds} rounds after a warm-up pass. Dictionary: "
        f"{DICTIONARY if DICTIONARY.exists() else 'none (seed texts only)'} + seed texts, "
        f"{len(words):,} words. Text normalised before measuring: \\r\\n -> \\n, U+FFFE -> '-'.\n"
    )
    if skipped:
        print(f"Not installed, skipped: {', '.join(skipped)}\n")
    print(_table(candidates, dwc, seeds))
    print("\n## Agreement between libraries on the DWC letters (words, after normalising)\n")
    print(_agreement(candidates, dwc))
    print("\n## Per-page text\n")
    for candidate in candidates:
        print(f"- {candidate.name}: {candidate.pages_api}; decrypt: `{candidate.decrypt_api}`")
    print("\n## Failures\n")
    unread = {letter.path.name for letter in dwc_letters}
    for candidate in candidates:
        failures = dwc[candidate.name].failures + seeds[candidate.name].failures
        unread &= {name for name, _ in dwc[candidate.name].failures}
        for name, error in failures:
            print(f"- {candidate.name}: {name}: {error}")
        if not failures:
            print(f"- {candidate.name}: none")
    print(f"\nLetters no library could read: {', '.join(sorted(unread)) or 'none'}")
    print("\n## Examples (most common first)\n")
    for candidate in candidates:
        result = dwc[candidate.name]
        for kind, counter in sorted(result.examples.items()):
            shown = "; ".join(f"{text!r} x{n}" for text, n in counter.most_common(6))
            print(f"- {candidate.name}, {kind}: {shown}")
    print()
    for name in sorted(dwc[candidates[0].name].texts)[:1]:
        print(_header_sample(candidates, dwc, name))

    if args.dump:
        for candidate in candidates:
            target = args.dump / candidate.name
            target.mkdir(parents=True, exist_ok=True)
            for name, pages in {**dwc[candidate.name].texts,
                                **seeds[candidate.name].texts}.items():  # fmt: skip
                (target / f"{name}.txt").write_text("\f\n".join(pages), encoding="utf-8")
        print(f"raw text written to {args.dump}/<library>/", file=sys.stderr)


if __name__ == "__main__":
    main()
