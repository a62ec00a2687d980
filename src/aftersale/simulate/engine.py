"""Replaying history: read JSONL in chunks, decide every line, add it up.

The file is read in blocks of whole lines (plain or gzip), so memory stays
flat whatever its size. A small file is decided in this process; a larger
one is split across worker processes, a bounded number of chunks in flight,
and their tallies, records and rejected lines come back in file order.

Every non-blank line is either decided or counted as bad with its line
number and reason: `lines == decided + bad + blank` always holds.
"""
from __future__ import annotations

import gc
import zlib
import io
import json
import os
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from ..diagnostics import AftersaleError, Diagnostic, ERROR
from ..events import MAX_EVENT_BYTES, parse_event
from ..events.structs import fast_event, fast_reader, money
from ..events.text import DECODER, DuplicateKey, duplicate_message, json_problem
from ..locale import Msg, msg, plural_id
from ..source import Span
from .tally import Bad, Tally

#: Bytes per chunk of history: a few thousand events.
CHUNK_BYTES = 1 << 21
#: A line longer than this is not read whole: it is reported bad and skipped.
MAX_LINE = max(MAX_EVENT_BYTES, 1) * 4


@dataclass(frozen=True)
class PolicySpec:
    """A policy as text, so worker processes compile exactly what this one loaded."""

    text: str
    format: str
    name: str

    @classmethod
    def load(cls, path: str) -> "PolicySpec":
        from ..policy import format_for, load, read_text

        load(path)  # report a bad policy here, once, before any worker starts
        return cls(read_text(path), format_for(path), str(path))

    def compile(self):
        from ..policy import compile

        return compile(self.text, self.format, self.name)


@dataclass
class ChunkResult:
    tally: Tally
    records: str | None = None           # JSON lines, one decision record per decided event
    rejects: str | None = None           # JSON lines, one per bad line


class Decider:
    """What one process needs to decide chunks: the policies, the fast event reader, the record writer."""

    def __init__(self, policy: PolicySpec, baseline: PolicySpec | None, source: str,
                 records: bool = False, trace: bool = False, rejects: bool = False):
        from .records import RecordLines

        self.policy = policy.compile()
        self.baseline = baseline.compile() if baseline is not None else None
        self.source = source
        self.decoder = DECODER
        self.records = RecordLines(self.policy, trace) if records else None
        self.trace = trace
        self.want_rejects = rejects
        # the guard a forbidden action is charged to: the first matching guard that forbids it
        self.forbids = {g.id: set(g.forbids) for g in self.policy.tree.guards}

    def bad(self, tally: Tally, rejects: list | None, line: int, name: str, message: Msg, column: int,
            text: str | bytes) -> None:
        tally.add_bad(Bad(line, name, message, column))
        message = str(message)  # the rejects file is for machines: English, as JSON is
        if rejects is not None:
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            rejects.append(json.dumps({"line": line, "column": column, "name": name, "message": message,
                                       "text": text}, ensure_ascii=False))

    def exact_line(self, tally: Tally, rejects: list | None, n: int, raw: bytes):
        """The exact reader on one line the fast path refused or doubted: the Event, or None once counted bad."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.bad(tally, rejects, n, "invalid-utf8", msg("sim.reason.not_utf8"), exc.start + 1, raw)
            return None
        if n == 1 and text.startswith("\ufeff"):
            text = text[1:]
        try:
            obj = self.decoder.decode(text)
        except json.JSONDecodeError as exc:
            self.bad(tally, rejects, n, "invalid-json", json_problem(exc.msg), exc.colno, text)
            return None
        except DuplicateKey:
            self.bad(tally, rejects, n, "invalid-json", duplicate_message(text), 1, text)
            return None
        except ValueError as exc:            # NaN, Infinity
            self.bad(tally, rejects, n, "invalid-json", msg("event.json", problem=exc.args[0] if exc.args
                                                            else str(exc)), 1, text)
            return None
        except RecursionError:
            self.bad(tally, rejects, n, "invalid-json", msg("event.json_too_deep"), 1, text)
            return None
        try:
            event = parse_event(obj, source=self.source, line=n, text=text)
        except AftersaleError as err:
            d = err.diagnostics
            first = d[0].text or d[0].message
            said = first if len(d) == 1 else msg(plural_id("sim.reason.more", len(d) - 1), message=first,
                                                 n=len(d) - 1)
            self.bad(tally, rejects, n, d[0].name, said, d[0].span.column, text)
            return None
        return event

    def chunk(self, first_line: int, data: bytes) -> ChunkResult:
        tally = Tally()
        records: list[str] | None = [] if self.records is not None else None
        rejects: list[str] | None = [] if self.want_rejects else None
        decide = self.policy.decide
        events = self.events(first_line, data, tally, rejects)
        if self.baseline is None and records is None:
            # nothing per event is kept: count each kind of decision, add each kind to the tally once
            kinds: dict = {}
            entry = self.entry()
            for _, _, event in events:
                raw = event.raw
                decision = entry(raw, False, event) if entry is not None and raw.__class__ is dict \
                    else decide(event, trace=self.trace)
                key = (decision.action, decision.rule, decision.decided_by, decision.forbidden_action,
                       decision.guards)
                amount = money(event.raw["request"]["amount"])
                kind = kinds.get(key)
                if kind is None:
                    kinds[key] = [1, amount]
                else:
                    kind[0] += 1
                    kind[1] += amount
            for (action, rule, by, forbidden, guards), (count, amount) in kinds.items():
                tally.add_many(count, amount, action, rule, by, guards, self.forbade(forbidden, guards))
            return ChunkResult(tally, None, "".join(r + "\n" for r in rejects) if rejects else None)
        base = self.baseline.decide if self.baseline is not None else None
        add = tally.add
        for n, _, event in events:
            decision = decide(event, trace=self.trace)
            old = None
            if base is not None:
                b = base(event, trace=False)
                old = (b.action, b.rule, b.decided_by)
            add(money(event.raw["request"]["amount"]), decision.action, decision.rule, decision.decided_by,
                decision.guards, self.forbade(decision.forbidden_action, decision.guards), old, event.id, n)
            if records is not None:
                records.append(self.records.line(decision))
        return ChunkResult(tally, "".join(r + "\n" for r in records) if records else None,
                           "".join(r + "\n" for r in rejects) if rejects else None)

    def entry(self):
        """The policy's generated code, to decide an Event as `Policy.decide` does, a few calls shorter:
        on the Event's raw dict, the Event kept for `recheck_at` (CompiledPolicy.decide_other). None
        where Policy.decide must choose (traces; a big policy's first events are interpreted)."""
        compiled = self.policy._compiled
        if self.trace or compiled.warm_up:
            return None
        return compiled.entry

    def forbade(self, action: str | None, guards) -> str | None:
        """The guard a forbidden action is charged to: the first of `guards` that forbids it."""
        if action is None:
            return None
        return next((g for g in guards if action in self.forbids.get(g, ())), None)

    def events(self, first_line: int, data: bytes, tally: Tally, rejects: list | None):
        """(line number, the line's bytes, Event) for every good line of a chunk; blank and bad lines are
        counted in `tally` (bad ones with their line, column and reason, and in `rejects`)."""
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        reader = fast_reader()
        fast = reader.event if reader is not None else fast_event  # (fast_event without its size check)
        tally.lines = len(lines)
        max_bytes = MAX_EVENT_BYTES
        for n, raw in enumerate(lines, start=first_line):
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            if not raw or raw.isspace():
                tally.blank += 1
                continue
            if len(raw) > max_bytes:
                self.bad(tally, rejects, n, "too-large", msg("sim.reason.too_large", size=len(raw), limit=max_bytes),
                         1, raw[:200])
                continue
            event = fast(raw)  # decoded and validated in C; None: the exact reader below says why
            if event is None:
                event = self.exact_line(tally, rejects, n, raw)
                if event is None:
                    continue
            yield n, raw, event


# -- reading ------------------------------------------------------------------------

class Input:
    """History as binary blocks of whole lines, from a file (plain or gzip, told by its magic) or stdin."""

    def __init__(self, path: str):
        self.name = "<stdin>" if path == "-" else path
        self.total: int | None = None
        if path == "-":
            self.raw: BinaryIO = io.BufferedReader(sys.stdin.buffer.raw) if hasattr(sys.stdin.buffer, "raw") \
                else sys.stdin.buffer
        else:
            where = Span(path, 1, 1, 1, 1)
            try:
                if Path(path).is_dir():
                    raise AftersaleError(Diagnostic("io-error", ERROR, msg("error.folder", path=path), where))
                self.raw = open(path, "rb")  # noqa: SIM115 - closed by close()
                self.total = os.fstat(self.raw.fileno()).st_size
            except OSError as exc:
                raise AftersaleError(Diagnostic("io-error", ERROR, msg("error.cannot_read", path=path,
                                                                       reason=str(exc.strerror)), where)) from None
        magic = self.raw.peek(2)[:2] if hasattr(self.raw, "peek") else b""
        self.gzip = magic == b"\x1f\x8b"
        self.stream: BinaryIO = _Gunzip(self.raw) if self.gzip else self.raw  # type: ignore[assignment]
        #: (line, message) when the input ended inside a gzip stream: every whole line before it is read
        self.truncated: tuple[int, Msg] | None = None

    def position(self) -> int:
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        if self.raw is not sys.stdin.buffer and self.name != "<stdin>":
            self.raw.close()

    def chunks(self, size: int = CHUNK_BYTES, partial: bool = False) -> Iterator[tuple[int, bytes]]:
        """(number of the first line, whole lines) blocks; an overlong line is cut to its first bytes.

        `partial` yields what a pipe has so far instead of waiting for `size` bytes (`eval` decides
        each line as soon as it arrives)."""
        carry = b""
        line = 1
        while True:
            try:
                stream = self.stream  # (replaced after an overlong line)
                block = stream.read1(size) if partial and hasattr(stream, "read1") else stream.read(size)
            except (OSError, EOFError) as exc:
                raise AftersaleError(Diagnostic(
                    "io-error", ERROR, msg("sim.reason.cannot_read", file=self.name, line=str(line - 1),
                                           reason=str(exc)),
                    Span(self.name, line, 1, line, 1))) from None
            if not block:
                if self.gzip and not self.stream.complete:  # type: ignore[attr-defined]
                    # the whole lines are decided; the cut one, and whatever followed, is the bad input
                    self.truncated = (line, msg("sim.reason.truncated", file=self.name, line=str(line)))
                    return
                if carry:
                    yield line, carry
                return
            cut = block.rfind(b"\n")
            if cut == -1:
                block = carry + block
                if len(block) > MAX_LINE:   # keep the head (to report it), drop the rest of the line
                    carry = block[:MAX_EVENT_BYTES + 1]
                    self._skip_rest()
                    yield line, carry + b"\n"
                    line += 1
                    carry = b""
                    continue
                carry = block
                continue
            # the carried line's head and the block's whole lines, copied once
            data, carry = carry + memoryview(block)[:cut + 1], block[cut + 1:]
            yield line, data
            line += data.count(b"\n")

    def _skip_rest(self) -> None:
        """Read on to the end of an overlong line."""
        while True:
            block = self.stream.read(CHUNK_BYTES)
            if not block:
                return
            cut = block.find(b"\n")
            if cut != -1:
                rest = block[cut + 1:]
                self.stream = _Prepend(rest, self.stream)
                return


class _Gunzip(io.RawIOBase):
    """A gzip stream read as far as its data goes: a truncated file gives every byte it holds, then
    `complete` says whether the last member ended properly (GzipFile raises and loses the last block)."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.inflate = zlib.decompressobj(wbits=31)
        self.complete = True

    def read(self, size: int = -1) -> bytes:
        size = size if size and size > 0 else CHUNK_BYTES
        try:
            while True:
                inflate = self.inflate
                if inflate.eof:   # a member ended: another may follow (as `cat a.gz b.gz` makes)
                    rest = inflate.unused_data or self.raw.read(CHUNK_BYTES)
                    if not rest:
                        return b""
                    self.inflate = inflate = zlib.decompressobj(wbits=31)
                    out = inflate.decompress(rest, size)
                elif inflate.unconsumed_tail:
                    out = inflate.decompress(inflate.unconsumed_tail, size)
                else:
                    data = self.raw.read(CHUNK_BYTES)
                    if not data:
                        self.complete = False
                        return b""
                    out = inflate.decompress(data, size)
                if out:
                    return out
        except zlib.error as exc:
            raise OSError(f"not valid gzip data ({exc})") from None


class _Prepend(io.RawIOBase):
    """A stream with some bytes put back in front of it."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            out, self.head = self.head, b""
            return out
        return self.rest.read(size)


# -- running ------------------------------------------------------------------------

_DECIDER: Decider | None = None


def _init_worker(args) -> None:
    global _DECIDER
    _DECIDER = Decider(*args)
    # Deciding allocates many short-lived containers and makes no cycles: collect less often,
    # and never walk the compiled policies again.
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def _work(task: tuple[int, bytes]) -> ChunkResult:
    assert _DECIDER is not None
    return _DECIDER.chunk(*task)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def replay(policy: PolicySpec, baseline: PolicySpec | None, source: Input, *,
           on_records: Callable[[str], None] | None = None, on_rejects: Callable[[str], None] | None = None,
           trace: bool = False, jobs: int | None = None,
           on_progress: Callable[[int, int], None] | None = None) -> Tally:
    """Decide every line of `source`; records and rejected lines go to the callbacks in file order."""
    args = (policy, baseline, source.name, on_records is not None, trace, on_rejects is not None)
    jobs = jobs or default_jobs()
    total = Tally()

    def take(result: ChunkResult, position: int) -> None:
        total.merge(result.tally)
        if result.records and on_records is not None:
            on_records(result.records)
        if result.rejects and on_rejects is not None:
            on_rejects(result.rejects)
        if on_progress is not None:
            on_progress(total.lines, position)

    # each chunk carries the input's position after it, so progress counts decided bytes, not read ones
    chunks = ((line, data, source.position()) for line, data in source.chunks())
    first = next(chunks, None)
    second = next(chunks, None) if first is not None else None
    if second is None or jobs <= 1:
        decider = Decider(*args)
        for line, data, position in _chain(first, second, chunks):
            take(decider.chunk(line, data), position)
        _truncation(source, total)
        return total
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = multiprocessing.get_context(method).Pool(jobs, _init_worker, (args,))
    try:
        pending: deque = deque()
        for line, data, position in _chain(first, second, chunks):
            pending.append((pool.apply_async(_work, ((line, data),)), position))
            while len(pending) > 2 * jobs:
                result, at = pending.popleft()
                take(result.get(), at)
        while pending:
            result, at = pending.popleft()
            take(result.get(), at)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
    _truncation(source, total)
    return total


def _truncation(source: Input, total: Tally) -> None:
    """A truncated gzip input is a bad input: counted and listed with its line, so the run exits 2."""
    if getattr(source, "truncated", None) is not None:
        line, message = source.truncated  # type: ignore[misc]
        total.lines += 1
        total.add_bad(Bad(line, "truncated-input", message, 1))
        cut = total.bad_lines.pop() if total.bad_lines[-1].line == line else Bad(line, "truncated-input", message, 1)
        total.bad_lines.insert(0, cut)   # listed first, even past the listing's cap: why the run stopped short


def _chain(first, second, rest):
    for task in (first, second):
        if task is not None:
            yield task
    yield from rest
