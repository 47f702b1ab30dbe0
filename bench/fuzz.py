"""The long fuzz run: many generated inputs through openimr, crashes grouped and minimized.

Run: `.venv/bin/python bench/fuzz.py --inputs 100000 --seconds 1800 --jobs 2`
(not part of `make test`; the bounded version is `tests/fuzz`).

Inputs are made by the generators of ``tests/fuzz/generators.py`` (JSON, YAML, JSON Lines,
.txt case files and letters, PDFs), input number i from the seed ``SEED:i``, so any input
is rebuilt from its number. Each runs in-process (``tests/fuzz/harness.py``): load the case
(reviewing a sample: reviewing costs far more than rejecting), parse the letter, read the
batch; a sample runs the whole `openimr` command with its standard error checked. Each
input is classified: ok, user error, crash (any other exception: its type and where it
escaped from openimr), hang (over 20 s: SIGALRM in the worker; a worker stuck past that is
killed and restarted by the parent).

The report: inputs by kind, crash groups (a known class of ``tests/fuzz/known.py``, else
the exception type and location) with one minimized reproducer each, hangs, the slowest
input. Reproducers and ``report.json`` go to ``--out``.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import multiprocessing as mp
import os
import queue
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.fuzz import generators as g  # noqa: E402
from tests.fuzz.harness import (  # noqa: E402
    TIME_LIMIT,
    Outcome,
    command_for,
    minimize,
    run_input,
    run_input_command,
)

WEIGHTS = {"json": 0.24, "yaml": 0.14, "jsonl": 0.10, "text": 0.16, "letter": 0.20, "pdf": 0.16}
HUGE_RATE = 1 / 25_000
"""Share of inputs over 1,000,000 characters (seconds each)."""


def make_input(seed: str, index: int, review_rate: float, command_rate: float):
    """Input number index: (FuzzInput, run as a whole command?)."""
    rnd = random.Random(f"{seed}:{index}")
    if rnd.random() < HUGE_RATE:
        size = rnd.randrange(1_000_001, 1_200_000)
        text = ("Low back pain after a fall. " * (size // 28 + 1))[:size]
        case = {"case_id": "big", "clinical_summary": text, "requests": [{"text": "MRI lumbar"}]}
        item = g.FuzzInput("huge", ".json", json.dumps(case).encode(), mutation="over 1M chars")
    else:
        item = g.generate(rnd, WEIGHTS)
    item.review = rnd.random() < review_rate
    command = rnd.random() < command_rate
    if command:  # the command and format (harness.command_for)
        item.tags = [rnd.choice(["review", "review", "facts"]), rnd.choice(["json", "text"])]
        if item.target == "letter":
            item.tags = [rnd.choice(["jsonl", "json", "table"])]
    return item, command


def _group(outcome: Outcome) -> str:
    from tests.fuzz.known import crash_class

    known = crash_class(outcome)
    if known is not None:
        return f"{known.name} ({outcome.exc_type})"
    innermost_file = outcome.innermost.partition(":")[0]
    return f"{outcome.exc_type} at {outcome.location} [{innermost_file}]"


def _run(item, command: bool, folder: Path) -> Outcome:
    if command:
        return run_input_command(item, folder).outcome
    return run_input(item, folder)


# --- the worker ------------------------------------------------------------------------------


def worker(job, jobs, seed, start, stop, deadline, rates, results, current) -> None:
    """Inputs start, start+jobs, ... below stop; results in batches on the queue."""
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - pypdf's log warnings
    folder = Path(tempfile.mkdtemp(prefix=f"fuzz-{job}-"))
    seen: set[str] = set()
    batch, sent = [], time.monotonic()
    for index in range(start, stop, jobs):
        if time.time() > deadline:
            break
        current[2 * job], current[2 * job + 1] = index, time.time()
        item, command = make_input(seed, index, *rates)
        outcome = _run(item, command, folder)
        row = {"i": index, "kind": item.kind, "status": outcome.status,
               "seconds": outcome.seconds, "command": command}  # fmt: skip
        if outcome.failed:
            group = _group(outcome)
            row.update(group=group, exc_type=outcome.exc_type, location=outcome.location,
                       innermost=outcome.innermost, message=outcome.message,
                       mutation=item.mutation[:200])  # fmt: skip
            if group not in seen:
                seen.add(group)
                row["data"] = item.data.hex()
        batch.append(row)
        if len(batch) >= 200 or time.monotonic() - sent > 1:
            results.put(batch)
            batch, sent = [], time.monotonic()
    current[2 * job + 1] = 0.0
    results.put(batch)
    results.put(("done", job))


# --- the parent ------------------------------------------------------------------------------


class Run:
    def __init__(self, args) -> None:
        self.args = args
        self.by_kind = collections.Counter()
        self.status = collections.Counter()
        self.kind_status = collections.Counter()
        self.groups: dict[str, dict] = {}
        self.hangs: list[dict] = []
        self.slowest = {"seconds": 0.0}
        self.count = 0

    def add(self, row: dict) -> None:
        self.count += 1
        self.by_kind[row["kind"]] += 1
        self.status[row["status"]] += 1
        self.kind_status[(row["kind"], row["status"])] += 1
        if row["seconds"] > self.slowest["seconds"]:
            self.slowest = {k: row.get(k) for k in ("seconds", "i", "kind", "status", "command")}
        if row["status"] == "hang":
            self.hangs.append({k: v for k, v in row.items() if k != "data"})
        if row["status"] in ("crash", "hang"):
            group = self.groups.setdefault(
                row["group"],
                {"count": 0, "kinds": collections.Counter(), "innermost": collections.Counter(),
                 "exc_type": row["exc_type"], "location": row["location"],
                 "message": row["message"], "first": row["i"], "mutation": row["mutation"],
                 "command": row["command"], "status": row["status"]},
            )  # fmt: skip
            group["count"] += 1
            group["kinds"][row["kind"]] += 1
            group["innermost"][row["innermost"]] += 1
            if "data" in row and "data" not in group:
                group["data"], group["first"] = row["data"], row["i"]
                group["command"] = row["command"]

    def progress(self, started: float, final: bool = False) -> None:
        elapsed = time.time() - started
        crashes = sum(1 for g_ in self.groups.values() if g_["status"] == "crash")
        line = (
            f"[{elapsed:6.0f} s] {self.count:,} inputs ({self.count / max(elapsed, 1e-9):,.0f}/s)"
            f"  ok {self.status['ok']:,}  user error {self.status['user_error']:,}"
            f"  crash {self.status['crash']:,} ({crashes} groups)  hang {self.status['hang']:,}"
            f"  slowest {self.slowest['seconds']:.2f} s"
        )
        print(line, file=sys.stderr, flush=True)


def run_jobs(args, run: Run) -> None:
    ctx = mp.get_context("fork")
    results = ctx.Queue()
    current = ctx.Array("d", 2 * args.jobs, lock=False)
    deadline = time.time() + args.seconds
    rates = (args.review_rate, args.command_rate)
    next_start = {job: job for job in range(args.jobs)}
    processes = {}

    def spawn(job: int, start: int) -> None:
        current[2 * job], current[2 * job + 1] = start, time.time()
        process = ctx.Process(
            target=worker,
            args=(
                job,
                args.jobs,
                args.seed,
                start,
                args.inputs,
                deadline,
                rates,
                results,
                current,
            ),
            daemon=True,
        )
        process.start()
        processes[job] = process

    for job in range(args.jobs):
        spawn(job, next_start[job])
    started, last = time.time(), 0.0
    done: set[int] = set()
    while len(done) < args.jobs:
        try:
            message = results.get(timeout=0.5)
        except queue.Empty:
            message = None
        if isinstance(message, tuple):
            done.add(message[1])
        elif message:
            for row in message:
                run.add(row)
        now = time.time()
        for job, process in list(processes.items()):
            if job in done:
                continue
            index, since = int(current[2 * job]), current[2 * job + 1]
            stuck = since and now - since > TIME_LIMIT + 15
            died = not process.is_alive() and process.exitcode not in (0, None)
            if stuck or died:
                process.kill()
                process.join()
                _drain(results, run, done)
                status = "hang" if stuck else "crash"
                item, command = make_input(args.seed, index, *rates)
                what = "worker stuck" if stuck else f"worker died (exit code {process.exitcode})"
                run.add({"i": index, "kind": item.kind, "status": status, "command": command,
                         "seconds": now - since, "group": what, "exc_type": what,
                         "location": "?", "innermost": "?", "message": what,
                         "mutation": item.mutation[:200], "data": item.data.hex()})  # fmt: skip
                spawn(job, index + args.jobs)
        if now - last > args.progress:
            run.progress(started)
            last = now
    for process in processes.values():
        process.join(timeout=5)
    run.progress(started, final=True)


def _drain(results, run: Run, done: set[int]) -> None:
    while True:
        try:
            message = results.get_nowait()
        except queue.Empty:
            return
        if isinstance(message, tuple):
            done.add(message[1])
        elif message:
            for row in message:
                run.add(row)


# --- after the run: reproducers and the report --------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60]


def save_reproducers(args, run: Run, out: Path) -> None:
    from tests.fuzz.known import crash_class

    folder = out / "crashers"
    folder.mkdir(parents=True, exist_ok=True)
    budget_end = time.monotonic() + args.minimize_seconds
    work = Path(tempfile.mkdtemp(prefix="fuzz-min-"))
    sys.stdout.flush()
    for number, (name, group) in enumerate(
        sorted(run.groups.items(), key=lambda kv: -kv[1]["count"]), start=1
    ):
        item, command = make_input(args.seed, group["first"], args.review_rate, args.command_rate)
        if "data" in group:
            item.data = bytes.fromhex(group["data"])
        stem = f"{number:02d}_{_slug(name)}"
        (folder / f"{stem}.original{item.suffix}").write_bytes(item.data)
        if group["status"] == "crash" and not name.startswith("worker"):
            seconds = max(0.0, min(args.minimize_seconds / 4, budget_end - time.monotonic()))

            def same(candidate, name=name, command=command) -> bool:
                outcome = _run(candidate, command, work)
                return outcome.failed and _group(outcome) == name

            if seconds > 1 and same(item):
                item = minimize(item, same, budget_seconds=seconds)
        path = folder / f"{stem}{item.suffix}"
        path.write_bytes(item.data)
        group["reproducer"] = str(path)
        group["reproducer_bytes"] = len(item.data)
        probe = _run(item, command, work)
        known = crash_class(probe) if probe.failed else None
        group["known_class"] = known.name if known else None
        if command:
            shown = command_for(item, path)
        elif item.target == "letter":
            shown = ["parse", str(path)]
        else:
            shown = ["review", str(path), "--format", "json"]
        group["show"] = "openimr " + " ".join(shown)


def report(args, run: Run, out: Path, seconds: float) -> dict:
    document = {
        "seed": args.seed,
        "seconds": round(seconds, 1),
        "inputs": run.count,
        "inputs_by_kind": dict(run.by_kind.most_common()),
        "status": dict(run.status),
        "status_by_kind": {f"{k}/{s}": n for (k, s), n in sorted(run.kind_status.items())},
        "crash_groups": [
            {
                k: (dict(v.most_common(5)) if isinstance(v, collections.Counter) else v)
                for k, v in group.items()
                if k != "data"
            }
            | {"group": name}
            for name, group in sorted(run.groups.items(), key=lambda kv: -kv[1]["count"])
        ],
        "hangs": run.hangs[:50],
        "slowest": run.slowest,
    }
    (out / "report.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    print(f"\nopenimr fuzz: {run.count:,} inputs in {seconds:,.0f} s (seed {args.seed!r})")
    print("inputs by kind: " + ", ".join(f"{k} {n:,}" for k, n in run.by_kind.most_common()))
    print("outcomes: " + ", ".join(f"{k} {n:,}" for k, n in run.status.most_common()))
    groups = document["crash_groups"]
    print(f"\ncrash groups: {len(groups)}")
    for number, group in enumerate(groups, start=1):
        kinds = ", ".join(f"{k} {n}" for k, n in group["kinds"].items())
        print(f"{number:3d}. {group['group']}: {group['count']:,} ({kinds})")
        print(f"     {group['status']} {group['exc_type']} at {group['location']}")
        for frame, count in list(group["innermost"].items())[:3]:
            print(f"       innermost {frame} ({count})")
        print(f"     {group['message'][:160]}")
        if group.get("reproducer"):
            print(f"     reproducer ({group['reproducer_bytes']:,} bytes): {group['show']}")
    print(f"\nhangs: {run.status['hang']:,}")
    for hang in run.hangs[:10]:
        print(f"  input {hang['i']} ({hang['kind']}): {hang['message']}")
    slow = run.slowest
    print(f"slowest input: {slow['seconds']:.2f} s (input {slow.get('i')}, {slow.get('kind')}, "
          f"{slow.get('status')})")  # fmt: skip
    print(f"report: {out / 'report.json'}")
    return document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="Stop after this many.")
    parser.add_argument("--seconds", type=float, default=1800, help="Stop after this long.")
    parser.add_argument("--jobs", type=int, default=2, help="Worker processes.")
    parser.add_argument("--seed", default="openimr-fuzz", help="Input i is made from SEED:i.")
    parser.add_argument(
        "--review-rate",
        type=float,
        default=0.1,
        help="Share of inputs whose case, once read, is also reviewed.",
    )
    parser.add_argument("--command-rate", type=float, default=0.03,
                        help="Share of inputs run as the whole `openimr` command.")  # fmt: skip
    parser.add_argument("--minimize-seconds", type=float, default=240,
                        help="Time for minimizing all reproducers together.")  # fmt: skip
    parser.add_argument("--progress", type=float, default=10, help="Seconds between lines.")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "openimr-fuzz")
    parser.add_argument("--replay", type=int, metavar="I", help="Run input I alone and say.")
    args = parser.parse_args()
    if args.replay is not None:
        item, command = make_input(args.seed, args.replay, args.review_rate, args.command_rate)
        outcome = _run(item, command, Path(tempfile.mkdtemp(prefix="fuzz-")))
        print(f"input {args.replay}: {item.kind} {item.mutation!r}: {outcome.describe()}")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"openimr fuzz: up to {args.inputs:,} inputs or {args.seconds:,.0f} s, "
          f"{args.jobs} jobs, seed {args.seed!r}, out {args.out}", file=sys.stderr)  # fmt: skip
    g.valid_cases(), g.base_pdfs()  # made once, before the workers fork
    start = time.time()
    run = Run(args)
    run_jobs(args, run)
    seconds = time.time() - start
    with open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet):  # pypdf's warnings
        save_reproducers(args, run, args.out)
    report(args, run, args.out, seconds)


if __name__ == "__main__":
    main()
