"""The figures DWC and CWCI publish about IMR, computed by DuckDB over the parsed Parquet.

Items, letters, uphold and overturn rates with Wilson 95% intervals, the guideline the reviewer
relied on, days from the UR denial and from assignment to the decision (median and IQR, per
letter), and the share of partially certified items where the rows carry it. Overall, and by
service category, guideline, reviewer specialty, month of decision or priority.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb

Z95 = 1.959963984540054

GROUPS: dict[str, tuple[str, str]] = {
    # --by: (SQL expression of the group over the rows, what it is)
    "service": ("coalesce(service_category, 'other')", "service category (DWC)"),
    "guideline": ("coalesce(reviewer_guideline_source, 'none')", "reviewer's guideline"),
    "specialty": (
        "unnest(CASE WHEN len(reviewer_specialties) > 0 THEN reviewer_specialties "
        "ELSE ['not stated'] END)",
        "reviewer specialty (an item counts under each of its reviewer's specialties)",
    ),
    "month": (
        "coalesce(strftime(coalesce(decision_date, letter_date), '%Y-%m'), 'no date')",
        "month of decision",
    ),
    "priority": ("coalesce(priority, 'not stated')", "priority"),
}

PARTIAL_COLUMNS = ("partial_certification", "partially_certified", "authorized")
"""Columns that mark a partially certified item, first found used (from the letter reader)."""


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """The Wilson score interval of a proportion (95% by default)."""
    if n == 0:
        return None, None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _connect(parquet: list[Path]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    files = [str(p) for p in parquet]
    con.read_parquet(files, union_by_name=True).create_view("items")
    return con


def _partial_expression(columns: set[str]) -> str | None:
    if "partial_certification" in columns:  # the reader's record: original, authorized, remainder
        return "count_if(partial_certification IS NOT NULL)"
    if "partially_certified" in columns:
        return "count_if(partially_certified)"
    if "authorized" in columns:
        return "count_if(authorized IS NOT NULL AND CAST(authorized AS VARCHAR) <> '')"
    return None


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    decided = row["upheld"] + row["overturned"]
    low, high = wilson(row["upheld"], decided)
    o_low, o_high = wilson(row["overturned"], decided)
    row["decided"] = decided
    row["uphold_rate"] = row["upheld"] / decided if decided else None
    row["uphold_ci"] = [low, high]
    row["overturn_rate"] = row["overturned"] / decided if decided else None
    row["overturn_ci"] = [o_low, o_high]
    if row.get("partial") is not None:
        row["partial_share"] = row["partial"] / row["items"] if row["items"] else None
    return row


_DAYS = """
    quantile_cont({d}, 0.5) AS {name}_median,
    quantile_cont({d}, 0.25) AS {name}_q1,
    quantile_cont({d}, 0.75) AS {name}_q3,
    count({d}) AS {name}_letters
"""


def compute(parquet: list[Path], by: str | None = None) -> dict[str, Any]:
    """Every figure, overall and (with ``by``) per group, as plain data."""
    con = _connect(parquet)
    columns = {row[0] for row in con.execute("DESCRIBE items").fetchall()}
    partial = _partial_expression(columns)
    counts = (
        "count(*) AS items, count(DISTINCT source) AS letters, "
        "count_if(decision = 'Upheld') AS upheld, count_if(decision = 'Overturned') AS overturned"
        + (f", {partial} AS partial" if partial else "")
    )
    decided_on = "coalesce(decision_date, letter_date)"
    days = (
        _DAYS.format(d=f"date_diff('day', ur_denial_date, {decided_on})", name="ur_to_decision")
        + ","
        + _DAYS.format(
            d=f"date_diff('day', date_assigned, {decided_on})", name="assigned_to_decision"
        )
    )
    letters = (
        "SELECT source, any_value(ur_denial_date) AS ur_denial_date, "
        "any_value(date_assigned) AS date_assigned, any_value(decision_date) AS decision_date, "
        "any_value(letter_date) AS letter_date FROM items GROUP BY source"
    )

    def rows(sql: str) -> list[dict[str, Any]]:
        result = con.execute(sql)
        names = [d[0] for d in result.description]
        return [dict(zip(names, values, strict=True)) for values in result.fetchall()]

    overall = rows(f"SELECT {counts} FROM items")[0]
    overall.update(rows(f"SELECT {days} FROM ({letters})")[0])
    guideline_family = (
        "CASE WHEN reviewer_guideline_source LIKE 'MTUS%' THEN 'MTUS' "
        "ELSE coalesce(reviewer_guideline_source, 'none') END"
    )
    cited = rows(
        f"SELECT {guideline_family} AS guideline, count(*) AS items FROM items "
        "GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    report: dict[str, Any] = {
        "overall": _figures(overall),
        "reviewer_guideline": [
            {**c, "share": c["items"] / overall["items"] if overall["items"] else None}
            for c in cited
        ],
        "partial_certification": "available" if partial else "not available",
        "by": by,
        "groups": [],
    }
    if by is not None:
        expression, label = GROUPS[by]
        report["by_label"] = label
        grouped = rows(
            f"SELECT grp AS group, {counts} FROM (SELECT *, {expression} AS grp FROM items) "
            "GROUP BY grp ORDER BY items DESC, grp"
        )
        timing = {
            r["group"]: r
            for r in rows(
                f"SELECT grp AS group, {days} FROM (SELECT l.*, g.grp FROM ({letters}) l JOIN "
                f"(SELECT DISTINCT source, {expression} AS grp FROM items) g USING (source)) "
                "GROUP BY grp"
            )
        }
        for group in grouped:
            group.update({k: v for k, v in timing.get(group["group"], {}).items()})
            report["groups"].append(_figures(group))
    con.close()
    return report


# --- a plot ---------------------------------------------------------------------------------


def plot(report: dict[str, Any], where: Path) -> None:
    """Uphold rate per group (or upheld / overturned counts overall) as a bar chart, with
    the Wilson interval and the counts on each bar. The same report gives the same bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "openimr"
    matplotlib.rcParams["path.simplify"] = True
    groups = report["groups"] or [{**report["overall"], "group": "all items"}]
    groups = [g for g in groups if g["decided"]][:20][::-1]
    labels = [str(g["group"]) for g in groups]
    rates = [100 * g["uphold_rate"] for g in groups]
    low = [100 * (g["uphold_rate"] - g["uphold_ci"][0]) for g in groups]
    high = [100 * (g["uphold_ci"][1] - g["uphold_rate"]) for g in groups]
    figure, axes = plt.subplots(figsize=(9, 1.6 + 0.45 * len(groups)), dpi=100)
    bars = axes.barh(labels, rates, xerr=[low, high], color="#4C72B0", ecolor="0.45", capsize=3)
    for bar, group in zip(bars, groups, strict=True):
        axes.text(
            1,
            bar.get_y() + bar.get_height() / 2,
            f"{group['uphold_rate']:.0%} of {group['decided']} ({group['upheld']} upheld, "
            f"{group['overturned']} overturned)",
            va="center",
            ha="left",
            color="white",
            fontsize=8,
        )
    overall = report["overall"]
    title = "IMR uphold rate" + (f" by {report['by_label']}" if report["by"] else "")
    axes.set_title(
        f"{title}\n{overall['items']} items in {overall['letters']} letters; overall "
        f"{overall['uphold_rate']:.1%} upheld (95% CI {overall['uphold_ci'][0]:.1%}–"
        f"{overall['uphold_ci'][1]:.1%})"
        if overall["decided"]
        else title,
        fontsize=10,
    )
    axes.set_xlabel("items upheld (%), with Wilson 95% interval")
    axes.set_ylabel(report.get("by_label", "").split(" (")[0] or "items")
    axes.set_xlim(0, 100)
    figure.tight_layout()
    suffix = where.suffix.lower()
    metadata: dict[str, Any] = (
        {"Date": None, "Creator": None} if suffix == ".svg" else {"Software": None}
    )
    if suffix == ".pdf":
        metadata = {"CreationDate": None, "Producer": None, "Creator": None}
    figure.savefig(where, metadata=metadata)
    plt.close(figure)
