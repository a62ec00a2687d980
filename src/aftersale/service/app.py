"""The HTTP layer: path functions that translate requests into `DecisionService` calls.

Dependencies give each path function its service, its caller (`Principal`: one store, some roles)
and its body (read with a size limit, JSON only). Errors are JSON: `{"error": kind, "message": ...,
"diagnostics": [...]}` with the event reader's diagnostics (file, line, column, message).
"""
from __future__ import annotations

import inspect
import logging
import threading
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, Callable, Literal

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..decision.log import Principal, decode_cursor
from ..diagnostics import AftersaleError
from ..limits import MAX_EVENT_BYTES, MAX_SOURCE_CHARS
from .console import mount as mount_console
from .core import Conflict, DecisionService, Rejected
from .history import MAX_HISTORY_BYTES
from .metrics import CONTENT_TYPE, Metrics

#: A policy and its tests, JSON-escaped, may take more bytes than the policy's characters.
MAX_POLICY_BODY_BYTES = 8 * MAX_SOURCE_CHARS
#: The longest request id the log keeps (as the `decisions.event_id` column).
MAX_EVENT_ID_CHARS = 200
logger = logging.getLogger("aftersale.service")


class ServiceError(Exception):
    """An answer other than 2xx, as JSON."""

    def __init__(self, status: int, error: str, message: str, diagnostics: list[dict] | None = None,
                 **extra: Any):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.body: dict[str, Any] = {"error": error, "message": message, **extra}
        if diagnostics is not None:
            self.body["diagnostics"] = diagnostics


class PolicyUpload(BaseModel):
    """`POST /v1/policies`: a policy's text, its format, and optionally its tests (a test file's YAML)."""

    model_config = ConfigDict(extra="forbid")
    policy: str = Field(description="The policy's text, DSL or YAML")
    format: Literal["dsl", "yaml"] = "dsl"
    tests: str | None = Field(None, description="An `aftersale test` file's YAML with inline events; its "
                                                "`policy:` is ignored. Every case must pass.")
    activate: bool = Field(True, description="Make it the store's active version once published")


class SimulationRequest(BaseModel):
    """`POST /v1/simulations`: a history (JSONL text) replayed by a version, against another as baseline."""

    model_config = ConfigDict(extra="forbid")
    events: str = Field(description="Events, one JSON object a line (an `aftersale simulate --events` file's text)")
    policy: str | None = Field(None, pattern="^[0-9a-f]{64}$", description="The version's sha256; the active one if absent")
    baseline: str | None = Field(None, pattern="^[0-9a-f]{64}$", description="A version to compare with")


# -- dependencies -------------------------------------------------------------------

def service_of(request: Request) -> DecisionService:
    return request.app.state.service


def caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Principal:
    """The token's store and roles; 401 without a token or with one the log does not know."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ServiceError(401, "unauthorized", "send `Authorization: Bearer TOKEN` (aftersale token create)")
    found = service_of(request).log.principal(token.strip())
    if found is None:
        raise ServiceError(401, "unauthorized", "the token is not valid")
    return found


def role(name: str) -> Callable[..., Principal]:
    def check(who: Annotated[Principal, Depends(caller)]) -> Principal:
        if name not in who.roles:
            raise ServiceError(403, "forbidden", f"the token lacks the `{name}` role")
        return who
    return check


def body(limit: int, json_only: bool = True) -> Callable[..., Any]:
    """The request's body as text: JSON only (415 otherwise, unless not `json_only`), at most `limit` bytes
    (413), UTF-8 (400)."""
    async def read(request: Request) -> str:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if json_only and kind != "application/json" and not kind.endswith("+json"):
            raise ServiceError(415, "unsupported-media-type", "send the body as `Content-Type: application/json`")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            raise ServiceError(413, "too-large", f"the body is larger than {limit:,} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ServiceError(413, "too-large", f"the body is larger than {limit:,} bytes")
            chunks.append(chunk)
        try:
            return b"".join(chunks).decode("utf-8")
        except UnicodeDecodeError:
            raise ServiceError(400, "invalid-json", "the body is not valid UTF-8") from None
    return read


def _aware(value: str | None, name: str) -> datetime | None:
    from ..values import parse_timestamp

    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise ServiceError(422, "invalid-query", f"`{name}`: {exc} (a time with a UTC offset, such as "
                                                 "2026-11-21T00:00:00+08:00)") from None


def explanation(record: dict[str, Any], lang: str) -> tuple[str, str]:
    """(text, language) of the explanation; renderers without languages explain in English."""
    from ..explain import render

    if "lang" in inspect.signature(render).parameters:
        return render(record, lang=lang, width=None), lang
    return render(record, width=None), "en"


# -- the app ---------------------------------------------------------------------------

Service = Annotated[DecisionService, Depends(service_of)]
RequestId = Annotated[str, Path(max_length=MAX_EVENT_ID_CHARS, description="The after-sales request's id")]
Sha256 = Annotated[str, Path(pattern="^[0-9a-f]{64}$", description="A policy version's sha256")]


def create_app(service: DecisionService, *, recheck_every: float | None = 1.0) -> FastAPI:
    """The decision service's app; with `recheck_every` seconds, a background loop makes due rechecks."""
    metrics = service.metrics if service.metrics is not None else Metrics()
    service.metrics = metrics

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        stop = threading.Event()
        loop = None
        if recheck_every:
            loop = threading.Thread(target=_recheck_loop, args=(service, stop, recheck_every),
                                    name="aftersale-recheck", daemon=True)
            loop.start()
        yield
        stop.set()
        if loop is not None:
            loop.join(timeout=10)

    app = FastAPI(title="aftersale decision service", version="2", lifespan=lifespan,
                  description="Decide after-sales requests, keep every decision, explain it by request id.")
    app.state.service = service

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError):
        metrics.error(exc.error)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.body, status_code=exc.status, headers=headers)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        metrics.error("internal")
        logger.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal", "message": "internal error (logged by the service)"},
                            status_code=500)

    @app.post("/v1/decisions", status_code=201, tags=["decisions"],
              responses={200: {"description": "The same event was decided before: the stored record"},
                         409: {"description": "The same request id and `at` was decided with other content"}},
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": {"$ref": "https://aftersale.dev/schema/event.json"}}}}})
    def decide(service: Service, who: Annotated[Principal, Depends(role("decide"))],
               text: Annotated[str, Depends(body(MAX_EVENT_BYTES))]):
        """Decide one event (product.md's event JSON) and store the decision before answering."""
        obj, event = _read_event(text)
        try:
            stored, new = service.decide(who.store, obj, event, text)
        except Conflict as conflict:
            raise ServiceError(409, "conflict", "this request id and `at` were decided before with other "
                                                "content; send a later `at` for a new decision",
                               stored_decision_id=conflict.stored["decision_id"]) from None
        return JSONResponse(stored, status_code=201 if new else 200)

    @app.get("/v1/decisions/{event_id}", tags=["decisions"])
    def records(event_id: RequestId, service: Service, who: Annotated[Principal, Depends(role("read"))]):
        """Every record of one request, newest first."""
        found = service.log.records(who.store, event_id)
        if not found:
            raise ServiceError(404, "not-found", f"no decision for request `{event_id}`")
        return {"event_id": event_id, "records": found}

    @app.get("/v1/decisions/{event_id}/explanation", tags=["decisions"], response_class=PlainTextResponse)
    def explain(event_id: RequestId, service: Service, who: Annotated[Principal, Depends(role("read"))],
                lang: Literal["zh", "en"] = "zh"):
        """The newest decision of one request explained for people, as text."""
        found = service.log.records(who.store, event_id)
        if not found:
            raise ServiceError(404, "not-found", f"no decision for request `{event_id}`")
        text, used = explanation(found[0]["record"], lang)
        return PlainTextResponse(text + "\n", headers={"Content-Language": used})

    @app.get("/v1/decisions", tags=["decisions"])
    def search(service: Service, who: Annotated[Principal, Depends(role("read"))],
               action: Annotated[str | None, Query(max_length=32)] = None,
               rule: Annotated[str | None, Query(max_length=100)] = None,
               since: Annotated[str | None, Query(description="records with `at` at or after this time")] = None,
               until: Annotated[str | None, Query(description="records with `at` before this time")] = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 50,
               cursor: Annotated[str | None, Query(max_length=100)] = None,
               id: Annotated[str | None, Query(max_length=MAX_EVENT_ID_CHARS, description="one request's id")] = None,
               lang: Annotated[Literal["zh", "en"] | None,
                               Query(description="add each record's `explanation` in this language")] = None):
        """The store's records, newest stored first, `limit` at a time; `next_cursor` gives the next page."""
        before = None
        if cursor is not None:
            before = decode_cursor(cursor)
            if before is None:
                raise ServiceError(422, "invalid-query", "`cursor` is not one this service gave out")
        found, following = service.log.search(who.store, event_id=id, action=action, rule=rule,
                                              since=_aware(since, "since"), until=_aware(until, "until"),
                                              limit=limit, before=before)
        if lang is not None:
            for item in found:
                item["explanation"], item["explanation_lang"] = explanation(item["record"], lang)
        return {"records": found, "next_cursor": following}

    @app.post("/v1/policies", status_code=201, tags=["policies"],
              responses={422: {"description": "Not published: the policy's errors, lint errors or failed tests"}},
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": PolicyUpload.model_json_schema()}}}})
    def publish(service: Service, who: Annotated[Principal, Depends(role("publish"))],
                text: Annotated[str, Depends(body(MAX_POLICY_BODY_BYTES))]):
        """Publish a policy version for the token's store (and, unless `activate` is false, make it active)."""
        try:
            upload = PolicyUpload.model_validate_json(text)
        except ValidationError as err:
            raise ServiceError(422, "invalid-request", "the body is {\"policy\": TEXT, \"format\": \"dsl\"|\"yaml\", "
                               "\"tests\": YAML, \"activate\": true|false}",
                               _validation(err)) from None
        try:
            return service.publish(who.store, upload.policy, upload.format, upload.tests, upload.activate)
        except Rejected as rejected:
            raise ServiceError(422, rejected.reason, "the policy was not published", rejected.problems) from None

    @app.get("/v1/policies", tags=["policies"])
    def versions(service: Service, who: Annotated[Principal, Depends(role("read"))]):
        """The store's policy versions, newest first, the active one marked."""
        return service.versions(who.store)

    @app.post("/v1/policies/{sha256}/activate", tags=["policies"])
    def activate(sha256: Sha256, service: Service,
                 who: Annotated[Principal, Depends(role("publish"))]):
        """Make an earlier (or later) version active: roll back or forward."""
        if not service.activate(who.store, sha256):
            raise ServiceError(404, "not-found", f"the store has no policy version {sha256}")
        return {"active": sha256}

    @app.get("/v1/policies/{sha256}", tags=["policies"])
    def policy_source(sha256: Sha256, service: Service, who: Annotated[Principal, Depends(role("read"))]):
        """One version: its text, format, the tests it was published with, and lint's findings with docs pages."""
        found = _version(service, who, sha256)
        return dict(found, findings=service.findings(found))

    @app.get("/v1/policies/{sha256}/tests", tags=["policies"])
    def policy_tests(sha256: Sha256, service: Service, who: Annotated[Principal, Depends(role("read"))]):
        """Run the tests a version was published with again: every case's status."""
        return service.test_results(_version(service, who, sha256))

    @app.post("/v1/simulations", tags=["policies"],
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": SimulationRequest.model_json_schema()}}}})
    def simulations(service: Service, who: Annotated[Principal, Depends(role("read"))],
                    text: Annotated[str, Depends(body(MAX_HISTORY_BYTES + 100_000))]):
        """`aftersale simulate` of a history sent in the body: counts and money per action and rule."""
        try:
            asked = SimulationRequest.model_validate_json(text)
        except ValidationError as err:
            raise ServiceError(422, "invalid-request", "the body is {\"events\": JSONL, \"policy\": SHA256, "
                               "\"baseline\": SHA256}", _validation(err)) from None
        if len(asked.events.encode("utf-8")) > MAX_HISTORY_BYTES:
            raise ServiceError(413, "too-large", f"the history is larger than {MAX_HISTORY_BYTES:,} bytes")
        sha = asked.policy or service.versions(who.store)["active"]
        report = service.simulate(who.store, asked.events, sha, asked.baseline)
        if report is None:
            raise ServiceError(404, "not-found", "the store has no such policy version")
        return report

    @app.get("/v1/me", tags=["service"])
    def me(who: Annotated[Principal, Depends(caller)]):
        """The token's store and roles (the console shows only what the token may do)."""
        return {"store": who.store, "roles": sorted(who.roles)}

    @app.get("/healthz", tags=["service"])
    def healthz(service: Service):
        """The service is up and its decision log answers."""
        service.log.count(store="")
        return {"status": "ok", "policy": service.default_sha}

    @app.get("/metrics", tags=["service"], response_class=PlainTextResponse)
    def prometheus():
        """Prometheus metrics: decisions by action and rule, latency, rechecks, errors."""
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    mount_console(app)
    from .platforms.routes import mount as mount_platforms  # (imports this module)
    mount_platforms(app)
    return app


def _validation(err: ValidationError) -> list[dict[str, str]]:
    """Pydantic's errors as diagnostics with a JSON path."""
    return [{"message": e["msg"], "path": "/".join(str(p) for p in e["loc"])}
            for e in err.errors(include_url=False, include_input=False)[:20]]


def _version(service: DecisionService, who: Principal, sha256: str) -> dict[str, Any]:
    found = service.source(who.store, sha256)
    if found is None:
        raise ServiceError(404, "not-found", f"the store has no policy version {sha256}")
    return found


def _read_event(text: str):
    """(object, typed Event) of the one event in `text`; 400 for bad JSON, 422 for an invalid event."""
    from ..events import parse_event, read_events
    from ..events.structs import fast_event

    items = list(read_events(text, "<request>"))
    if len(items) != 1:
        raise ServiceError(422, "invalid-request", f"send one event per request, not {len(items)}")
    item = items[0]
    if item.error is not None:
        raise ServiceError(400, "invalid-json", item.error.diagnostics[0].message,
                           [d.to_json() for d in item.error.diagnostics])
    if item.index is not None:
        raise ServiceError(422, "invalid-request", "send one event (a JSON object), not an array")
    try:  # the fast reader (msgspec) first; anything it doubts gets the exact reader's messages
        event = fast_event(item.text) or parse_event(item.obj, source="<request>", line=item.line, text=item.text)
    except AftersaleError as err:
        raise ServiceError(422, "invalid-event", err.diagnostics[0].message,
                           [d.to_json() for d in err.diagnostics]) from None
    if len(event.get(("id",))) > MAX_EVENT_ID_CHARS:
        raise ServiceError(422, "invalid-event", f"the request id is longer than {MAX_EVENT_ID_CHARS} characters")
    return item.obj, event


def _recheck_loop(service: DecisionService, stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        try:
            while service.recheck_due() and not stop.is_set():
                pass  # a full batch: more may be due
        except Exception:  # noqa: BLE001 - the loop must outlive one bad record or a lost connection
            service.metrics.error("recheck")
            logger.exception("recheck failed")


__all__ = ["create_app", "PolicyUpload", "ServiceError", "MAX_POLICY_BODY_BYTES"]
