"""The load bench's smoke run: a few seconds, four clients, a temporary SQLite store. The
server must answer every request (no errors besides expected 409s) and keep every write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_load_keeps_every_write(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "service_load.py"),
            "--seconds",
            "5",
            "--clients",
            "4",
            "--cases",
            "6",
            "--db",
            f"sqlite:///{tmp_path / 'load.sqlite'}",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert run.stdout, run.stderr
    report = json.loads(run.stdout)
    assert report["errors"] == 0, report["error_samples"]
    assert report["lost_writes"] == 0, report["lost_write_samples"]
    # Two of the four clients are reviewers: in 5 s they decide items, or nothing was tested.
    assert report["acknowledged_writes"] > 0
    assert report["decide_item_events"] == report["acknowledged_writes"]
    assert report["audit_valid"] and report["audit_matches"], report["audit_mismatches"]
    assert report["server_stderr"]["tracebacks"] == 0, report["server_stderr"]
    assert report["requests"] > 0 and report["latency_ms"]["all"]["count"] > 0
    assert run.returncode == 0, run.stderr
