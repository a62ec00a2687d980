"""Benchmark `aftersale serve`: decisions per second and p50/p99 latency at 1, 8 and 32 concurrent clients,
on SQLite and PostgreSQL, against the same policy decided in-process (traced, with its record, as the
service does). The ratios show what HTTP and storage cost.

    .venv/bin/python bench/serve_bench.py                       # SQLite; PostgreSQL too with --postgres URL
    .venv/bin/python bench/serve_bench.py --postgres "$(bash scripts/postgres.sh start /tmp/pg)" --requests 400

Loopback only; each level sends at most --requests decisions and stops after --seconds, whichever comes
first. The clients run on the same two cores as the service, so the figures are a floor, not a ceiling.
A benchmark, not a test.
"""
from __future__ import annotations

import argparse
import itertools
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

import aftersale  # noqa: E402
from aftersale.decision.log import DecisionLog  # noqa: E402

POLICY = ROOT / "policies" / "tea-house.policy"
EVENT = json.loads((ROOT / "policies" / "events" / "AS-1001.json").read_text(encoding="utf-8"))
LEVELS = (1, 8, 32)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def in_process(count: int) -> tuple[float, float, float]:
    policy = aftersale.load(POLICY)
    latencies = []
    started = time.perf_counter()
    for n in range(count):
        t = time.perf_counter()
        json.dumps(policy.decide(dict(EVENT, id=f"IP-{n}")).to_json(), ensure_ascii=False)
        latencies.append(time.perf_counter() - t)
    return count / (time.perf_counter() - started), percentile(latencies, .5), percentile(latencies, .99)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: str, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "aftersale", "serve", str(POLICY), "--db", db, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"the service on {db} did not start")


def load(port: int, headers: dict, clients: int, requests: int, seconds: float, prefix: str):
    numbers = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    deadline = time.monotonic() + seconds

    def client():
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            while time.monotonic() < deadline:
                with lock:
                    n = next(numbers)
                if n >= requests:
                    return
                t = time.perf_counter()
                answer = http.post("/v1/decisions", json=dict(EVENT, id=f"{prefix}-{n}"), headers=headers)
                elapsed = time.perf_counter() - t
                with lock:
                    if answer.status_code == 201:
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return len(latencies) / wall, percentile(latencies, .5), percentile(latencies, .99), errors[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="decisions per level, at most")
    parser.add_argument("--seconds", type=float, default=20.0, help="time per level, at most")
    parser.add_argument("--postgres", metavar="URL", help="also benchmark on this PostgreSQL database")
    args = parser.parse_args()
    base_rate, base_p50, base_p99 = in_process(max(args.requests, 500))
    print(f"in-process (decide + record, traced): {base_rate:8.0f} decisions/s  "
          f"p50 {base_p50 * 1000:6.2f} ms  p99 {base_p99 * 1000:6.2f} ms")
    print(f"{'database':<11}{'clients':>8}{'decisions/s':>13}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'x slower':>10}{'errors':>8}")
    with tempfile.TemporaryDirectory() as folder:
        databases = [("sqlite", f"sqlite:///{folder}/bench.db")]
        if args.postgres:
            databases.append(("postgresql", args.postgres))
        for name, db in databases:
            log = DecisionLog(db)
            token = log.create_token("bench", ["decide"], datetime.now(timezone.utc))
            log.close()
            port = free_port()
            proc = serve(db, port)
            try:
                run = time.time_ns()
                for clients in LEVELS:
                    rate, p50, p99, errors = load(port, {"Authorization": f"Bearer {token}"}, clients,
                                                  args.requests, args.seconds, f"B{run}-{clients}")
                    print(f"{name:<11}{clients:>8}{rate:>13.0f}{p50 * 1000:>9.2f}{p99 * 1000:>9.2f}"
                          f"{base_rate / rate:>10.1f}{errors:>8}")
            finally:
                proc.terminate()
                proc.wait(timeout=30)


if __name__ == "__main__":
    main()
