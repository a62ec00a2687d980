"""Nothing answered is lost: the service as a real process, killed with SIGKILL under load, restarted.

Every decision a client got an answer for is in the log exactly once. Loopback only, bounded in count
and time; it prints sent / acknowledged / found.
"""
from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from aftersale.decision.log import DecisionLog

from .conftest import POLICIES, event

CLIENTS = 8
MAX_SENT = 600            # never more than this many requests
KILL_AFTER_ACKS = 60      # SIGKILL once this many were answered
DEADLINE = 60.0           # seconds for each phase, at most


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db_url: str, port: int, log_file: Path) -> subprocess.Popen:
    out = open(log_file, "ab")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-m", "aftersale", "serve", str(POLICIES / "tea-house.policy"),
                             "--db", db_url, "--port", str(port)], stdout=out, stderr=out)
    out.close()
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the service did not start:\n" + log_file.read_text(errors="replace"))


def test_sigkill_under_load_loses_no_acknowledged_decision(tmp_path, capsys):
    db_url = f"sqlite:///{tmp_path / 'log.db'}"
    log = DecisionLog(db_url)
    from datetime import datetime, timezone

    headers = {"Authorization": f"Bearer {log.create_token('tea-house', ['decide', 'read'], datetime.now(timezone.utc))}"}
    port = free_port()
    proc = start(db_url, port, tmp_path / "serve.log")
    numbers = itertools.count()
    lock = threading.Lock()
    sent, acked = [], {}
    stop = threading.Event()

    def client():
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            while not stop.is_set():
                with lock:
                    n = next(numbers)
                    if n >= MAX_SENT:
                        return
                    sent.append(n)
                body = event(f"CR-{n:04d}")
                try:
                    answer = http.post("/v1/decisions", json=body, headers=headers)
                except httpx.HTTPError:
                    return  # the service is gone
                if answer.status_code == 201:
                    with lock:
                        acked[body["id"]] = answer.json()["decision_id"]

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + DEADLINE
    while len(acked) < KILL_AFTER_ACKS and time.monotonic() < deadline and any(t.is_alive() for t in threads):
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=DEADLINE)
    stop.set()
    for t in threads:
        t.join(timeout=DEADLINE)
    assert len(acked) >= KILL_AFTER_ACKS, (tmp_path / "serve.log").read_text(errors="replace")

    proc = start(db_url, port, tmp_path / "serve.log")   # the log opens again after the crash
    try:
        found = 0
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for event_id, decision_id in acked.items():
                records = http.get(f"/v1/decisions/{event_id}", headers=headers).json()["records"]
                assert [r["decision_id"] for r in records] == [decision_id]
                found += 1
            # and an acknowledged event sent again is answered from the log, not decided twice
            again = http.post("/v1/decisions", json=event(next(iter(acked))), headers=headers)
            assert again.status_code == 200 and again.json()["decision_id"] == next(iter(acked.values()))
    finally:
        proc.terminate()
        proc.wait(timeout=DEADLINE)
    stored = DecisionLog(db_url).count("tea-house")
    assert found == len(acked) and len(acked) <= stored <= len(sent)
    with capsys.disabled():
        print(f"\ncrash test: sent {len(sent)}, acknowledged {len(acked)}, found {found} "
              f"(stored {stored}: answered or not, each at most once)")
