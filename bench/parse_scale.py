"""How `openimr parse` scales: letters per second per core, and a year of letters.

Run: `.venv/bin/python bench/parse_scale.py [--year 170000] [--writers]`.

- text letters per second on one process (seed-sized letters, in memory; target 1,000);
- PDF letters per second on one process (the dwc-2016 PDFs);
- a year of letters (170,000 by default; the seed letters replicated in memory, streamed to
  the parser, never written to disk) parsed into one Parquet file: wall time and peak memory
  (the main process, and it with all its workers), one process vs all cores;
- ``--writers``: the same rows written by pyarrow, Polars and DuckDB (why pyarrow writes).

Figures are reported, not asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import seed_paths  # noqa: E402

from openimr.corpus.batch import default_jobs, parse_many, parse_one  # noqa: E402
from openimr.corpus.dataset import ParquetSink, record_rows, schema  # noqa: E402
from openimr.intake.published.reader import parse_letter_text  # noqa: E402

DWC = ROOT.parents[1] / "shared" / "corpus" / "dwc-2016"
if not DWC.is_dir():
    DWC = Path("/work/shared/corpus/dwc-2016")


def _letters(count: int):
    """``count`` seed-sized letters as (source, text), replicated from the seeds."""
    seeds = [(p.name, p.read_text("utf-8")) for p in seed_paths()]
    for index, (name, text) in zip(range(count), itertools.cycle(seeds), strict=False):
        yield (f"{index:06d}_{name}", text)


def _rate(work, items: list, rounds: int = 3) -> float:
    for item in items[:5]:
        work(item)
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            work(item)
        best = max(best, len(items) / (time.perf_counter() - start))
    return best


class _Peak:
    """Peak resident memory of this process and of all its descendants (pool workers are
    children of the forkserver, so getrusage does not see them): sampled every 0.1 s."""

    def __init__(self) -> None:
        import psutil

        self.main = self.total = 0
        self._me = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        while not self._stop.wait(0.1):
            main = self._me.memory_info().rss
            total = main
            for child in self._me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            self.main, self.total = max(self.main, main), max(self.total, total)

    def __enter__(self) -> _Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def year_run(count: int, jobs: int) -> dict:
    """One configuration, in its own process: parse ``count`` letters into Parquet."""
    with tempfile.TemporaryDirectory() as folder, _Peak() as peak:
        start = time.perf_counter()
        with ParquetSink(Path(folder) / "year.parquet") as sink:
            failed = 0
            with parse_many(_letters(count), kind="rows", jobs=jobs, chunksize=64) as results:
                for parsed in results:
                    if parsed.error:
                        failed += 1
                    else:
                        sink.add(parsed.value)
        wall = time.perf_counter() - start
        size = (Path(folder) / "year.parquet").stat().st_size
    return {
        "letters": count,
        "jobs": jobs,
        "rows": sink.rows,
        "failed": failed,
        "wall_s": round(wall, 1),
        "letters_per_s": round(count / wall),
        "parquet_mb": round(size / 2**20, 1),
        "peak_main_mb": round(peak.main / 2**20),
        "peak_all_processes_mb": round(peak.total / 2**20),
    }


def writers(letters: int) -> None:
    """The same rows written by each library, from rows as the parser makes them."""
    import duckdb
    import polars as pl
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [row for _, text in _letters(letters) for row in record_rows(parse_letter_text(text))]
    with tempfile.TemporaryDirectory() as folder:
        timings = {}
        start = time.perf_counter()
        with pq.ParquetWriter(Path(folder) / "a.parquet", schema(), compression="zstd") as w:
            for index in range(0, len(rows), 4096):
                w.write_table(pa.Table.from_pylist(rows[index : index + 4096], schema=schema()))
        timings["pyarrow ParquetWriter (streamed row groups)"] = time.perf_counter() - start
        start = time.perf_counter()
        pl.from_dicts(rows, infer_schema_length=None).write_parquet(
            Path(folder) / "b.parquet", compression="zstd"
        )
        timings["polars from_dicts + write_parquet (all in memory)"] = time.perf_counter() - start
        start = time.perf_counter()
        arrow_rows = pa.Table.from_pylist(rows, schema=schema())  # noqa: F841 (read by DuckDB)
        target = Path(folder) / "c.parquet"
        duckdb.sql(
            f"COPY (SELECT * FROM arrow_rows) TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
        )
        timings["duckdb COPY from an Arrow table (all in memory)"] = time.perf_counter() - start
    print(f"Parquet writers, {len(rows):,} rows of {letters:,} letters:")
    for name, seconds in timings.items():
        print(f"  {name}: {seconds:.2f} s ({len(rows) / seconds:,.0f} rows/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=170_000, help="letters in the year run")
    parser.add_argument("--writers", action="store_true", help="compare Parquet writers")
    parser.add_argument(
        "--run", nargs=2, type=int, metavar=("COUNT", "JOBS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.run:
        print(json.dumps(year_run(*args.run)))
        return
    if args.writers:
        writers(2000)
    texts = list(_letters(1000))
    text_rate = _rate(lambda t: parse_one(t, kind="rows"), texts)
    print(f"text letters per second, one process (to rows): {text_rate:,.0f}")
    text_rate = _rate(lambda t: parse_letter_text(t[1], t[0]), texts)
    print(f"text letters per second, one process (records only): {text_rate:,.0f}")
    pdfs = sorted(DWC.glob("*.pdf"))
    if pdfs:
        pdf_rate = _rate(lambda p: parse_one(p, kind="rows"), pdfs, rounds=1)
        print(f"PDF letters per second, one process ({len(pdfs)} dwc-2016 PDFs): {pdf_rate:,.1f}")
    cores = default_jobs()
    for jobs in sorted({1, cores}):
        command = [sys.executable, __file__, "--run", str(args.year), str(jobs)]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        result = json.loads(
            subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
        )
        print(f"year run: {json.dumps(result)}")
        if args.year < 170_000:
            print(f"  170,000 letters extrapolated: {170_000 / result['letters_per_s']:,.0f} s")


if __name__ == "__main__":
    main()
