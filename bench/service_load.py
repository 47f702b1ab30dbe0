"""A bounded load test of the case service's HTTP API on loopback: latency, throughput and
correctness (no errors, no lost writes, an intact audit chain) under concurrent clients.

The bench migrates and seeds a fresh store (the demo seed plus ``--cases`` extra cases, each
filed, given a progress note, assigned, and records requested and completed, so reviewers can
decide its items), starts the API server itself on 127.0.0.1 (uvicorn in a subprocess), runs
``--clients`` concurrent clients for ``--seconds`` (at most ``--max-requests`` requests each),
then checks the store over the API and stops the server (and its PostgreSQL, with
``--postgres``) whatever happens.

Run: `PYTHONPATH=src .venv/bin/python bench/service_load.py [--seconds 60] [--clients 50]
[--cases 40] [--db URL | --postgres] [--json]`. Progress goes to stderr every 10 s; the report
to stdout. Exit status 1 if there were errors, lost writes or an audit mismatch.

Every client runs in this one process (asyncio + httpx), on the same machine as the server:
its latencies include the client's own scheduling, and the two compete for the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import glob
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "corpus" / "seeds"
HOST = "127.0.0.1"
"""The only address the bench's servers listen on or its clients connect to."""
API = "/api/v1"
KINDS = ("list", "case", "draft", "decide")
DECIDABLE = ("records_complete", "in_review")
UPHELD, OVERTURNED = "Upheld", "Overturned"

# The server: the same app `openimr serve` would build, on a store the bench prepared.
SERVER = """
import sys
import uvicorn
from openimr.service.api import create_app
from openimr.service.cases import CaseService
from openimr.service.db import Store

def factory():
    return create_app(CaseService(Store(sys.argv[1])))

uvicorn.run(factory, factory=True, host=sys.argv[2], port=int(sys.argv[3]),
            log_level="warning", access_log=False)
"""

TREATMENTS = [
    "Physical therapy 2 times a week for 4 weeks, lumbar spine",
    "Ibuprofen 800 mg #90",
    "MRI of the lumbar spine without contrast",
    "Acupuncture 6 sessions for the low back",
    "Cyclobenzaprine 7.5 mg #60",
    "TENS unit, 30-day home trial",
    "Chiropractic manipulation 6 visits",
]
REVIEWERS = {"R-OCC-1": "dr.avery", "R-PMR-1": "dr.blake"}
"""The demo roster entries that have accounts, so their cases can be decided."""
ACCOUNTS = ["coordinator", "dr.avery", "director", "dr.blake"]
"""Client i logs in as ACCOUNTS[i % 4]: half the clients are reviewers, who write."""


# the store -------------------------------------------------------------------------------


def _note(index: int) -> bytes:
    """A short invented progress note; it names no one."""
    pain = 4 + index % 5
    visits = 3 + index % 6
    return (
        f"Progress note, follow-up visit {index}.\n"
        f"The injured worker reports low back pain, {pain}/10, worse with lifting and "
        "prolonged sitting, radiating to the left buttock but not below the knee.\n"
        f"Completed {visits} physical therapy visits with a modest gain in walking tolerance; "
        "continues a home exercise program.\n"
        "Exam: lumbar paraspinal tenderness, flexion limited to 60 degrees, straight-leg "
        "raise negative, strength and reflexes normal.\n"
        "Assessment: lumbar strain, chronic. Plan: continue conservative care as requested; "
        "modified duty, no lifting over 20 pounds; recheck in 4 weeks.\n"
    ).encode()


def prepare_store(url: str, letters: Path | None, extra: int) -> None:
    """Migrate and seed a fresh store, then add ``extra`` cases ready for review, all through
    the service layer."""
    from openimr.service import demo, migrate
    from openimr.service.application import Application
    from openimr.service.assignment import NotQualified
    from openimr.service.cases import CaseService
    from openimr.service.db import Store

    store = Store(url)
    try:
        migrate.upgrade(store)
        service = CaseService(store)
        if demo.seed(service, letters).already:
            raise SystemExit(f"--db: {store.url} is not empty; the bench needs a fresh store")
        coordinator = demo._principal(service, "coordinator")
        today = dt.datetime.now(dt.UTC).date()
        reviewers = list(REVIEWERS)
        for index in range(1, extra + 1):
            count = 1 + index % 3
            treatments = [TREATMENTS[(index + k) % len(TREATMENTS)] for k in range(count)]
            application = Application(
                employee_name=f"Load Worker {index}",
                employee_id=f"LOAD-{index:04d}",
                date_of_injury=today - dt.timedelta(days=400 + index),
                requesting_physician=f"Load Treating Physician {index % 7}",
                claims_administrator="Load Claims Services",
                employer=f"Load Employer {index % 5}",
                filed_by="employee",
                signed=True,
                ur_decision_attached=True,
                ur_decision_date=today - dt.timedelta(days=14),
                filed_on=today - dt.timedelta(days=3),
                treatments=treatments,
            )
            filed = service.file_application(coordinator, application)
            if filed.status != "eligible":
                raise RuntimeError(f"extra case {index} was screened {filed.status}")
            service.add_document(
                coordinator,
                filed.case_id,
                content=_note(index),
                filename=f"progress-note-{index}.txt",
                kind="medical_record",
                date=today - dt.timedelta(days=20),
            )
            order = reviewers[index % 2 :] + reviewers[: index % 2]
            for reviewer_id in order:
                try:
                    service.assign(coordinator, filed.case_id, reviewer_id=reviewer_id)
                    break
                except NotQualified:
                    continue
            else:
                raise RuntimeError(f"extra case {index}: neither demo reviewer qualifies")
            service.request_records(coordinator, filed.case_id, notice_by="electronic")
            service.complete_records(coordinator, filed.case_id)
    finally:
        store.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@contextlib.contextmanager
def postgres(root: Path) -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 and a free port (as the service tests'
    fixture makes one): trust authentication, fsync off, stopped on the way out."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise SystemExit("--postgres: PostgreSQL is not installed (run .ci/postgres)")
    # The server refuses to run as root: the Debian package's postgres user runs it.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if prefix:
        shutil.chown(root, "postgres")
    data, port = root / "data", _free_port()
    quiet: dict[str, Any] = {"check": True, "capture_output": True, "start_new_session": True}
    init = [*prefix, initdb, "-D", str(data), "-U", "openimr", "--auth=trust", "-E", "UTF8"]
    subprocess.run([*init, "--no-sync"], **quiet)
    options = (
        f"-p {port} -k {root} -c listen_addresses={HOST} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    log = root / "server.log"
    start = [*prefix, pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(log), "start"]
    subprocess.run(start, **quiet)
    try:
        base = f"postgresql+psycopg://openimr@{HOST}:{port}"
        from openimr.service.db import Store

        admin = Store(f"{base}/postgres")
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("CREATE DATABASE openimr_load")
        admin.dispose()
        yield f"{base}/openimr_load"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            start_new_session=True,
        )


def _loopback_only(url: str) -> None:
    from openimr.service.db import normalise_url

    host = urllib.parse.urlsplit(normalise_url(url)).hostname
    if host not in (None, "", "127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"--db: {host} is not this machine; the bench stays on loopback")


class Server:
    """The API server in a subprocess on 127.0.0.1: started, waited for, and stopped
    (terminate, then kill) on the way out, whatever happened."""

    def __init__(self, url: str, workdir: Path) -> None:
        self.port = _free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.stderr_path = workdir / "server.stderr"
        paths = [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
        self._stderr = self.stderr_path.open("wb")
        # Its own session: a Ctrl-C at the terminal reaches the bench, which then stops the
        # server itself after the final checks, instead of the server dying mid-run.
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER, url, HOST, str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            env=env,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start:\n{self.stderr_tail()}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 0.2):
                return
            time.sleep(0.1)
        raise RuntimeError(f"the server did not listen within {timeout:.0f} s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()

    def cpu_seconds(self) -> float | None:
        """The server's user + system CPU time so far (Linux), to compare with the clients'."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stderr_text(self) -> str:
        return self.stderr_path.read_text("utf-8", errors="replace")

    def stderr_tail(self, lines: int = 40) -> str:
        return "\n".join(self.stderr_text().splitlines()[-lines:])


# the load --------------------------------------------------------------------------------


@dataclass
class Ack:
    """A write the server acknowledged with 200."""

    case_id: str
    n: int
    decision: str
    reason: str
    version: int


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    conflicts: int = 0
    acks: list[Ack] = field(default_factory=list)
    transport_errors: int = 0

    @property
    def requests(self) -> int:
        return sum(len(self.latencies[k]) for k in KINDS) + self.transport_errors


class Client:
    def __init__(self, index: int, base: str, stats: Stats, args: argparse.Namespace) -> None:
        self.index = index
        self.account = ACCOUNTS[index % len(ACCOUNTS)]
        self.reviewer = self.account.startswith("dr.")
        self.http = httpx.AsyncClient(
            base_url=base,
            timeout=60.0,
            trust_env=False,  # no proxy between the bench and its loopback server
            # Idle connections are dropped before uvicorn's 5 s keep-alive closes them: at
            # equal timeouts a request can meet the server's close (a ReadError).
            limits=httpx.Limits(max_connections=1, keepalive_expiry=2.0),
        )
        self.stats = stats
        self.rng = random.Random(args.seed * 1000 + index)
        self.budget = args.max_requests
        self.sent = 0
        self.writes = 0
        self.cases: list[str] = []

    async def login(self, password: str) -> float:
        start = time.perf_counter()
        response = await self.http.post(
            f"{API}/token", data={"username": self.account, "password": password}
        )
        response.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        return time.perf_counter() - start

    async def call(self, kind: str, method: str, path: str, **kw: Any) -> httpx.Response | None:
        """One timed request: the response if it is 2xx (or a 409 to a decision, which the
        caller handles), None after recording an error."""
        self.sent += 1
        start = time.perf_counter()
        try:
            response = await self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            self.stats.transport_errors += 1
            self.stats.errors.append(f"{kind} {method} {path}: {type(exc).__name__} {exc}")
            return None
        self.stats.latencies[kind].append(time.perf_counter() - start)
        self.stats.statuses[f"{kind} {response.status_code}"] += 1
        if kind == "decide" and response.status_code == 409:
            self.stats.conflicts += 1
            return response
        if not response.is_success:
            self.stats.errors.append(
                f"{kind} {method} {path}: {response.status_code} {response.text[:300]}"
            )
            return None
        return response

    async def run(self, until: float, stop: asyncio.Event, every_case: list[str]) -> None:
        if self.reviewer:
            await self.list_queue()
        while not stop.is_set() and time.monotonic() < until and self.sent < self.budget:
            roll = self.rng.random()
            if self.reviewer and self.cases and roll < 0.4:
                await self.decide()
            elif roll < 0.6:
                await self.list_queue()
            elif roll < 0.85:
                await self.read_case(self.pick(every_case))
            else:
                await self.read_draft(self.pick(every_case))

    def pick(self, every_case: list[str]) -> str | None:
        pool = self.cases if self.reviewer else every_case
        return self.rng.choice(pool) if pool else None

    async def list_queue(self) -> None:
        params: dict[str, Any] = {}
        if self.reviewer:
            params = self.rng.choice([{}, {}, {"status": "in_review"}, {"overdue": "false"}])
        else:
            params = self.rng.choice(
                [
                    {},
                    {"status": "records_complete"},
                    {"status": "in_review"},
                    {"status": "eligible"},
                    {"reviewer": self.rng.choice(list(REVIEWERS))},
                    {"overdue": "true"},
                    {"limit": 10, "offset": self.rng.randrange(0, 40)},
                ]
            )
        response = await self.call("list", "GET", f"{API}/cases", params=params)
        if response is not None and self.reviewer and not params:
            # A reviewer decides only their own cases: the queue names them.
            self.cases = [c["id"] for c in response.json() if c["status"] in DECIDABLE]

    async def read_case(self, case_id: str | None) -> dict[str, Any] | None:
        if case_id is None:
            return None
        response = await self.call("case", "GET", f"{API}/cases/{case_id}")
        return response.json() if response is not None else None

    async def read_draft(self, case_id: str | None) -> None:
        if case_id is not None:
            await self.call("draft", "GET", f"{API}/cases/{case_id}/draft")

    async def decide(self) -> None:
        """Read a case, decide one of its items with the version read; on 409 (someone
        decided it meanwhile) read again and retry, a few times."""
        case_id = self.rng.choice(self.cases)
        n: int | None = None
        for _attempt in range(4):
            if self.sent >= self.budget:
                return
            view = await self.read_case(case_id)
            if view is None:
                return
            if view["status"] not in DECIDABLE:
                self.cases.remove(case_id)
                return
            items = {i["n"]: i for i in view["items"]}
            n = n if n is not None else self.rng.choice(sorted(items))
            decision = self.rng.choice([UPHELD, OVERTURNED])
            self.writes += 1
            reason = f"load client {self.index} write {self.writes}: {decision.lower()}"
            body = {"decision": decision, "reason": reason, "version": items[n]["version"]}
            response = await self.call(
                "decide", "PUT", f"{API}/cases/{case_id}/items/{n}", json=body
            )
            if response is None:
                return
            if response.status_code == 409:
                continue
            item = response.json()
            if (item["decision"], item["reason"]) != (decision, reason):
                self.stats.errors.append(f"decide {case_id}/{n}: the reply is not the write")
            self.stats.acks.append(Ack(case_id, n, decision, reason, item["version"]))
            return


async def progress(stats: Stats, started: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 10)
        elapsed = time.monotonic() - started
        print(
            f"[{elapsed:5.0f} s] {stats.requests} requests ({stats.requests / elapsed:.0f}/s), "
            f"{len(stats.errors)} errors, {stats.conflicts} conflicts, "
            f"{len(stats.acks)} writes",
            file=sys.stderr,
            flush=True,
        )


async def snapshot(http: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """Every case as the director sees it."""
    listed: list[dict[str, Any]] = []
    while True:
        page = {"limit": 1000, "offset": len(listed)}
        more = (await http.get(f"{API}/cases", params=page)).raise_for_status().json()
        listed += more
        if len(more) < page["limit"]:
            break
    views = {}
    for summary in listed:
        views[summary["id"]] = (
            (await http.get(f"{API}/cases/{summary['id']}")).raise_for_status().json()
        )
    return views


async def director(base: str, password: str) -> httpx.AsyncClient:
    http = httpx.AsyncClient(base_url=base, timeout=120.0, trust_env=False)
    reply = await http.post(f"{API}/token", data={"username": "director", "password": password})
    http.headers["Authorization"] = f"Bearer {reply.raise_for_status().json()['access_token']}"
    return http


async def load(
    base: str, args: argparse.Namespace, password: str, server_cpu: Callable[[], float | None]
) -> dict[str, Any]:
    stats = Stats()
    checker = await director(base, password)
    # Every draft computed before the clock starts: the first one loads the review engine
    # (seconds), and a computed draft updates the items, which the version check counts.
    for case_id in await snapshot(checker):
        (await checker.get(f"{API}/cases/{case_id}/draft")).raise_for_status()
    before = await snapshot(checker)
    every_case = sorted(before)
    clients = [Client(i, base, stats, args) for i in range(args.clients)]
    logins = await asyncio.gather(*(c.login(password) for c in clients))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Ctrl-C ends the load early; the checks and the report still run.
    loop.add_signal_handler(signal.SIGINT, stop.set)
    started, cpu, server_cpu_before = time.monotonic(), time.process_time(), server_cpu()
    ticker = asyncio.create_task(progress(stats, started, stop))
    try:
        await asyncio.gather(*(c.run(started + args.seconds, stop, every_case) for c in clients))
    finally:
        duration = time.monotonic() - started
        cpu = time.process_time() - cpu
        server_after = server_cpu()
        interrupted = stop.is_set()
        stop.set()
        await ticker
        loop.remove_signal_handler(signal.SIGINT)
        for c in clients:
            await c.http.aclose()

    after = await snapshot(checker)
    verify = (await checker.get(f"{API}/audit/verify")).raise_for_status().json()
    trails = {
        case_id: (await checker.get(f"{API}/cases/{case_id}/audit")).raise_for_status().json()
        for case_id in after
    }
    await checker.aclose()
    return {
        "stats": stats,
        "logins": logins,
        "duration": duration,
        "interrupted": interrupted,
        "client_cpu_s": cpu,
        "server_cpu_s": (
            server_after - server_cpu_before
            if server_after is not None and server_cpu_before is not None
            else None
        ),
        "checks": check(stats.acks, before, after, verify, trails),
    }


# the checks and the report -------------------------------------------------------------------


def check(
    acks: list[Ack],
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    verify: dict[str, Any],
    trails: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    """The last acknowledged write of every item is what the store holds; the audit trail
    has one decide_item event per acknowledged write and one start_review per case the
    load moved into review; the chain verifies."""
    last: dict[tuple[str, int], Ack] = {}
    per_item: Counter[tuple[str, int]] = Counter()
    for ack in acks:
        key = (ack.case_id, ack.n)
        per_item[key] += 1
        if key not in last or ack.version > last[key].version:
            last[key] = ack
    lost: list[str] = []
    for (case_id, n), ack in sorted(last.items()):
        item = next(i for i in after[case_id]["items"] if i["n"] == n)
        if (item["decision"], item["reason"]) != (ack.decision, ack.reason) or item[
            "version"
        ] < ack.version:
            lost.append(
                f"{case_id} item {n}: acknowledged {ack.decision} v{ack.version} "
                f"({ack.reason!r}), stored {item['decision']} v{item['version']} "
                f"({item['reason']!r})"
            )
    # Each acknowledged write bumps the item's version once: more bumps than acknowledged
    # writes mean a write took effect that the client never heard of (e.g. a timeout).
    unacknowledged = 0
    for case_id, view in after.items():
        old = {i["n"]: i["version"] for i in before[case_id]["items"]}
        for item in view["items"]:
            bumps = item["version"] - old.get(item["n"], 1)
            acked = per_item[(case_id, item["n"])]
            if bumps < acked:
                lost.append(f"{case_id} item {item['n']}: {acked} writes acked, {bumps} stored")
            unacknowledged += max(0, bumps - acked)
    decided = Counter(
        e["case_id"] for t in trails.values() for e in t if e["action"] == "decide_item"
    )
    started = Counter(
        e["case_id"] for t in trails.values() for e in t if e["action"] == "start_review"
    )
    acked_cases = Counter(a.case_id for a in acks)
    moved = {
        c
        for c in after
        if before[c]["status"] == "records_complete" and after[c]["status"] == "in_review"
    }
    mismatches = [
        f"{c}: {decided[c]} decide_item events, {acked_cases[c]} acknowledged writes"
        for c in sorted(set(decided) | set(acked_cases))
        if decided[c] != acked_cases[c]
    ]
    mismatches += [
        f"{c}: {started[c]} start_review events, expected {int(c in moved)}"
        for c in sorted(set(started) | moved)
        if started[c] != int(c in moved)
    ]
    return {
        "acknowledged_writes": len(acks),
        "items_written": len(last),
        "lost_writes": len(lost),
        "lost_write_samples": lost[:10],
        "unacknowledged_writes": unacknowledged,
        "audit_valid": bool(verify.get("valid")),
        "audit_events": verify.get("events"),
        "audit_problems": verify.get("problems", []),
        "decide_item_events": sum(decided.values()),
        "start_review_events": sum(started.values()),
        "cases_moved_to_review": len(moved),
        "audit_mismatches": mismatches[:10],
        "audit_matches": not mismatches,
    }


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0}
    ordered = sorted(values)
    ms = {
        "median": _percentile(ordered, 0.5),
        "p90": _percentile(ordered, 0.9),
        "p99": _percentile(ordered, 0.99),
        "max": ordered[-1],
    }
    return {"count": len(values)} | {k: round(v * 1000, 2) for k, v in ms.items()}


def server_problems(text: str) -> dict[str, Any]:
    """What the server wrote to stderr: its tracebacks counted, the last one quoted."""
    blocks = text.split("Traceback (most recent call last):")
    last = blocks[-1].strip().splitlines()[-25:] if len(blocks) > 1 else []
    finals = Counter(b.strip().splitlines()[-1][:200] for b in blocks[1:] if b.strip().splitlines())
    return {
        "tracebacks": len(blocks) - 1,
        "exceptions": dict(finals.most_common(5)),
        "last_traceback": last,
    }


def report(result: dict[str, Any], args: argparse.Namespace, store: str, server: dict) -> dict:
    stats: Stats = result["stats"]
    every = [v for k in KINDS for v in stats.latencies[k]]
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "store": store,
        "clients": args.clients,
        "seconds": args.seconds,
        "max_requests_per_client": args.max_requests,
        "extra_cases": args.cases,
        "duration_s": round(result["duration"], 2),
        "interrupted": result["interrupted"],
        "cpu_s": {
            "server": round(result["server_cpu_s"], 1) if result["server_cpu_s"] else None,
            "clients": round(result["client_cpu_s"], 1),
        },
        "machine": {
            "cores": os.cpu_count(),
            "usable_cores": affinity,
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "requests": stats.requests,
        "errors": len(stats.errors),
        "error_samples": stats.errors[:10],
        "conflicts_409": stats.conflicts,
        "throughput_rps": round(stats.requests / result["duration"], 1),
        "latency_ms": {"all": summary(every)} | {k: summary(stats.latencies[k]) for k in KINDS},
        "login_ms": summary(result["logins"]),
        "statuses": dict(sorted(stats.statuses.items())),
        **result["checks"],
        "server_stderr": server,
    }


def text_report(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        f"openimr service load: {r['store']} store, {r['clients']} clients, "
        f"{r['duration_s']:.1f} s{' (interrupted)' if r['interrupted'] else ''}, "
        f"{r['extra_cases']} extra cases",
        f"machine: {m['cores']} cores ({m['usable_cores']} usable), {m['processor']}, "
        f"Python {m['python']}, {m['system']}",
        f"CPU during the load: server {r['cpu_s']['server']} s, clients {r['cpu_s']['clients']} s",
        f"requests {r['requests']}, {r['throughput_rps']}/s; errors {r['errors']}; "
        f"409 conflicts {r['conflicts_409']}",
        f"writes acknowledged {r['acknowledged_writes']} on {r['items_written']} items; "
        f"lost {r['lost_writes']}; unacknowledged but stored {r['unacknowledged_writes']}",
        f"audit: chain {'valid' if r['audit_valid'] else 'BROKEN'} ({r['audit_events']} events); "
        f"decide_item events {r['decide_item_events']} vs {r['acknowledged_writes']} writes; "
        f"start_review events {r['start_review_events']} vs {r['cases_moved_to_review']} cases "
        f"moved to review: {'match' if r['audit_matches'] else 'MISMATCH'}",
        "latency (ms)     count   median      p90      p99      max",
    ]
    for kind, s in [*r["latency_ms"].items(), ("login", r["login_ms"])]:
        if s["count"]:
            lines.append(
                f"  {kind:<8} {s['count']:>9} {s['median']:>8.1f} {s['p90']:>8.1f} "
                f"{s['p99']:>8.1f} {s['max']:>8.1f}"
            )
    for title, samples in [
        ("errors", r["error_samples"]),
        ("lost writes", r["lost_write_samples"]),
        ("audit mismatches", r["audit_mismatches"]),
        ("audit problems", r["audit_problems"]),
    ]:
        if samples:
            lines.append(f"{title} (first {len(samples)}):")
            lines += [f"  {s}" for s in samples]
    server = r["server_stderr"]
    if server["tracebacks"]:
        lines.append(f"server tracebacks: {server['tracebacks']}; {server['exceptions']}")
        lines += [f"  | {s}" for s in server["last_traceback"]]
    return "\n".join(lines)


def ok(r: dict[str, Any]) -> bool:
    return r["errors"] == 0 and r["lost_writes"] == 0 and r["audit_valid"] and r["audit_matches"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--max-requests", type=int, default=100_000, help="per client")
    parser.add_argument("--cases", type=int, default=40, help="extra cases ready for review")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", help="a fresh store's URL (default: a temporary SQLite file)")
    where.add_argument(
        "--postgres", action="store_true", help="start a throwaway PostgreSQL on loopback"
    )
    parser.add_argument("--letters", type=Path, default=SEEDS, help="the demo seed letters")
    parser.add_argument("--seed", type=int, default=1, help="the clients' random seed")
    parser.add_argument("--json", action="store_true", help="the report as JSON")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.max_requests < 1 or args.cases < 0:
        parser.error("--clients, --seconds and --max-requests must be positive, --cases >= 0")
    if args.db:
        _loopback_only(args.db)

    from openimr.service.demo import DEMO_PASSWORD

    # A SIGTERM unwinds like an error: the servers are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="openimr-load-")))
        if args.postgres:
            url = stack.enter_context(postgres(workdir))
        else:
            url = args.db or f"sqlite:///{workdir / 'openimr.sqlite'}"
        store = "postgresql" if url.startswith("postgres") else "sqlite"
        print(f"preparing a {store} store: demo seed + {args.cases} cases", file=sys.stderr)
        prepare_store(url, args.letters, args.cases)
        server = Server(url, workdir)
        stack.callback(server.stop)
        server.wait_ready()
        print(
            f"server on {server.base}; {args.clients} clients for {args.seconds:g} s",
            file=sys.stderr,
        )
        result = asyncio.run(load(server.base, args, DEMO_PASSWORD, server.cpu_seconds))
        server.stop()
        out = report(result, args, store, server_problems(server.stderr_text()))
    print(json.dumps(out, indent=2) if args.json else text_report(out))
    return 0 if ok(out) else 1


if __name__ == "__main__":
    sys.exit(main())
