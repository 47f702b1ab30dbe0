"""The corpus as data: Parquet rows, all cores, Dask, and `openimr stats` (issue 10)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from openimr.cli import cli
from openimr.corpus import dataset
from openimr.corpus.batch import parse_many
from openimr.corpus.stats import compute, wilson
from openimr.intake.published.reader import parse_letter_file
from openimr.vocabulary import vocabulary
from tests.conftest import seed_paths


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def letters(tmp_path_factory) -> Path:
    """The seed letters, each twice, and one file that is not a letter."""
    folder = tmp_path_factory.mktemp("letters")
    for copy in range(2):
        for seed in seed_paths():
            (folder / f"{copy}_{seed.name}").write_text(seed.read_text("utf-8"), "utf-8")
    (folder / "1_zz_not_a_letter.txt").write_text("Dear sir, nothing here.\n", "utf-8")
    return folder


@pytest.fixture(scope="module")
def seed_items() -> int:
    return sum(len(parse_letter_file(p).items) for p in seed_paths())


def rows_of(where: Path) -> list[tuple]:
    files = [str(where)] if where.is_file() else sorted(map(str, where.glob("*.parquet")))
    return duckdb.sql(
        f"SELECT * EXCLUDE (reviewer_guideline, claims_administrator_guideline) FROM "
        f"read_parquet({files!r}) ORDER BY source, item_number"
    ).fetchall()


def test_parquet_is_one_row_per_item_with_the_letter_fields(letters, seed_items, tmp_path):
    out = tmp_path / "items.parquet"
    result = run("parse", str(letters), "--format", "parquet", "--out", str(out), "-j", "1")
    assert result.exit_code == 1  # the one bad file
    assert "1_zz_not_a_letter.txt" in result.stderr and "11 read, 1 failed" in result.stderr
    table = duckdb.sql(f"SELECT * FROM '{out}'")
    assert duckdb.sql(f"SELECT count(*) FROM '{out}'").fetchall() == [(2 * seed_items,)]
    for column in (
        "source",
        "layout",
        "case_number",
        "ur_denial_date",
        "reviewer_licensure",
        "reviewer_specialties",
        "patient_age",
        "patient_sex",
        "item_number",
        "request",
        "decision",
        "reviewer_guideline",
        "claims_administrator_cited",
        "reviewer_cited",
        "service_kind",
        "service_category",
        "item_truncated",
    ):
        assert column in table.columns
    first = duckdb.sql(
        f"SELECT patient_age, patient_sex, reviewer_specialties, decision, service_kind, "
        f"service_category, reviewer_cited[1].guideline, reviewer_guideline.summary FROM '{out}' "
        "WHERE source LIKE '%0_000_%' AND item_number = 1"
    ).fetchall()[0]
    assert first == (
        37,
        "female",
        ["Occupational Medicine"],
        "Overturned",
        "acupuncture",
        "physical medicine",
        "MTUS",
        "MTUS Acupuncture Treatment Guidelines",
    )


def test_new_model_fields_become_columns():
    """The schema follows the models: every field of an item is a column."""
    names = set(dataset.schema().names)
    for field in dataset.LetterItem.model_fields:
        assert field in names or f"item_{field}" in names


def test_every_service_kind_has_one_dwc_category():
    categories = dataset.service_categories()
    assert set(categories) == set(vocabulary().service_kinds)
    assert set(categories.values()) == {
        "pharmaceuticals",
        "physical medicine",
        "DMEPOS",
        "diagnostic imaging",
        "injections",
        "evaluation and management",
        "surgery",
        "other",
    }


def test_citations_split_into_guideline_chapter_year_section():
    line = {
        "citations": [
            {"text": "MTUS Low Back Complaints 2004, Section(s): Special Studies"},
            {"text": "Official Disability Guidelines (ODG) Knee & Leg, Durable medical equipment"},
        ]
    }
    assert dataset.cited(line) == [
        {
            "guideline": "MTUS",
            "chapter": "Low Back Complaints",
            "year": 2004,
            "section": "Special Studies",
        },
        {
            "guideline": "ODG",
            "chapter": "Knee & Leg",
            "year": None,
            "section": "Durable medical equipment",
        },
    ]
    assert dataset.guideline_source(line) == "MTUS Low Back Complaints"
    assert dataset.guideline_source(None) == "none"


def test_all_cores_give_the_single_process_output(letters, tmp_path):
    one, many = tmp_path / "one.jsonl", tmp_path / "many.jsonl"
    run("parse", str(letters), "--format", "jsonl", "--out", str(one), "--jobs", "1")
    result = run("parse", str(letters), "--format", "jsonl", "--out", str(many), "--jobs", "2")
    assert result.exit_code == 1 and "1 failed" in result.stderr
    assert one.read_bytes() == many.read_bytes()
    assert len(one.read_text().splitlines()) == 10


def test_parallel_results_keep_input_order(letters):
    documents = sorted(letters.glob("*.txt"))
    with parse_many(documents, kind="jsonl", jobs=2, chunksize=1) as results:
        sources = [p.source for p in results]
    assert sources == [str(d) for d in documents]


def test_partitioned_folder_equals_the_single_file(letters, tmp_path):
    single, folder = tmp_path / "one.parquet", tmp_path / "parts"
    run("parse", str(letters), "--format", "parquet", "--out", str(single), "-j", "1")
    run("parse", str(letters), "--format", "parquet", "--out", str(folder), "--partition", "4")
    assert sorted(p.name for p in folder.iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
    ]
    assert rows_of(folder) == rows_of(single)


def test_dask_equals_the_single_process(letters, tmp_path):
    """`parse --dask ADDRESS` on a one-worker LocalCluster (threads, loopback only)."""
    from distributed import LocalCluster

    single = tmp_path / "one.parquet"
    run("parse", str(letters), "--format", "parquet", "--out", str(single), "-j", "1")
    folder = tmp_path / "dask"
    with LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        result = run(
            "parse",
            str(letters),
            "--format",
            "parquet",
            "--out",
            str(folder),
            "--dask",
            cluster.scheduler_address,
            "--partition",
            "3",
        )
    assert result.exit_code == 1
    assert "1_zz_not_a_letter.txt" in result.stderr and "11 read, 1 failed" in result.stderr
    assert len(list(folder.glob("part-*.parquet"))) == 4
    assert rows_of(folder) == rows_of(single)


def test_dask_needs_parquet():
    result = run("parse", "x.txt", "--dask", "tcp://127.0.0.1:1")
    assert result.exit_code == 2 and "--dask writes Parquet" in result.stderr


def test_parquet_needs_out(letters):
    result = run("parse", str(letters), "--format", "parquet")
    assert result.exit_code == 2 and "needs --out" in result.stderr


# --- stats -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dated(tmp_path_factory) -> Path:
    """The seed letters with header dates set: UR denial 10, 20, 30, 40, 50 days and
    assignment 5 days before the decision; letter 4 is one month later."""
    where = tmp_path_factory.mktemp("dated") / "dated.parquet"
    records = []
    for index, path in enumerate(seed_paths()):
        record = parse_letter_file(path)
        decided = dt.date(2016, 3, 1) if index < 4 else dt.date(2016, 4, 2)
        header = record.header.model_copy(
            update={
                "decision_date": decided,
                "ur_denial_date": decided - dt.timedelta(days=10 * (index + 1)),
                "date_assigned": decided - dt.timedelta(days=5),
                "priority": "Standard" if index else "Expedited",
            }
        )
        records.append(record.model_copy(update={"header": header}))
    dataset.write_parquet(records, where)
    return where


def test_wilson_interval():
    low, high = wilson(178, 204)
    assert (round(low, 4), round(high, 4)) == (0.8198, 0.9115)
    assert wilson(0, 0) == (None, None)
    assert wilson(5, 5)[1] == 1.0


def test_stats_figures_on_the_seed_letters(dated):
    gold = json.loads((seed_paths()[0].parent / "gold.json").read_text("utf-8"))["documents"]
    decisions = [item["decision"] for doc in gold.values() for item in doc["items"]]
    report = compute([dated], by="month")
    overall = report["overall"]
    assert overall["letters"] == 5 and overall["items"] == len(decisions)
    assert overall["upheld"] == decisions.count("Upheld")
    assert overall["overturned"] == decisions.count("Overturned")
    assert overall["uphold_rate"] == pytest.approx(decisions.count("Upheld") / len(decisions))
    assert overall["ur_to_decision_median"] == 30
    assert (overall["ur_to_decision_q1"], overall["ur_to_decision_q3"]) == (20, 40)
    assert overall["assigned_to_decision_median"] == 5
    # The reader records partial certification on every item: none of the seeds is.
    assert report["partial_certification"] == "available"
    assert report["overall"]["partial_share"] == 0
    assert [g["group"] for g in report["groups"]] == ["2016-03", "2016-04"]
    assert (
        report["groups"][1]["letters"] == 1 and report["groups"][1]["ur_to_decision_median"] == 50
    )
    assert sum(g["items"] for g in report["groups"]) == overall["items"]


def test_stats_command_by_priority_csv(dated):
    result = run("stats", str(dated), "--by", "priority", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("group,items,letters,upheld,overturned,uphold_rate")
    assert [line.split(",")[0] for line in lines[1:]] == ["all", "Standard", "Expedited"]


def test_stats_text_and_plot(dated, tmp_path):
    png = tmp_path / "uphold.png"
    result = run("stats", str(dated), "--by", "service", "--plot", str(png))
    assert result.exit_code == 0, result.output
    assert "uphold rate" in result.stdout and "95% Wilson CI" in result.stdout
    assert "Partially certified items: 0.0%" in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = tmp_path / "again.png"
    run("stats", str(dated), "--by", "service", "--plot", str(again))
    assert again.read_bytes() == png.read_bytes()


def test_stats_on_letters_goes_on_past_a_bad_one(letters, seed_items):
    result = run("stats", str(letters), "--format", "json", "--jobs", "1")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "1_zz_not_a_letter.txt" in errors[0]
    assert json.loads(result.stdout)["overall"]["items"] == 2 * seed_items


def test_stats_bad_inputs_get_one_line(tmp_path):
    junk = tmp_path / "junk.parquet"
    junk.write_text("not parquet")
    for args, words in (
        ([str(tmp_path / "missing")], "no such file or folder"),
        ([str(junk)], "cannot read the Parquet input"),
        ([str(junk), "--plot", str(tmp_path / "p.gif")], "give a .png, .svg or .pdf"),
    ):
        result = run("stats", *args)
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr


def test_partial_certification_share_when_the_rows_carry_it(dated, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(dated)
    column = table.schema.get_field_index("partial_certification")
    record = {"original_request": "PT x12", "authorized": "PT x6", "remainder": "PT x6"}
    marks = [record if index == 0 else None for index in range(table.num_rows)]
    with_partial = tmp_path / "partial.parquet"
    kind = table.schema.field(column).type
    structs = pa.array(marks, type=kind if pa.types.is_struct(kind) else None)
    pq.write_table(table.set_column(column, "partial_certification", structs), with_partial)
    report = compute([with_partial])
    assert report["partial_certification"] == "available"
    assert report["overall"]["partial_share"] == pytest.approx(1 / table.num_rows)
