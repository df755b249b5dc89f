"""The ASGI app: one handler that checks a request like the service and answers.

Order of checks follows the service: route, credential, api-version, faults
and rate budgets, body, deployment, ``extra-parameters``, model capabilities,
content filter; then the composed (or scripted) answer, streamed or not.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute
from starlette.types import Receive, Scope, Send

from ._chat import ChatResult, ChoiceResult, completion_body, compose, cut_by_filter
from ._embeddings import embed_images, embed_texts
from ._errors import (
    ServiceError,
    bad_request,
    content_filter_error,
    error_body,
    extra_parameters_error,
    filter_results,
    not_found,
    parameter_not_supported,
)
from ._faults import FaultSpec, FaultState, RateLimiter, parse_fault
from ._profiles import ModelProfile
from ._routing import (
    REASONING_FIELD_VERSIONS,
    Deployments,
    Route,
    check_api_version,
    check_auth,
    pick_profile,
    resolve_route,
)
from ._script import Script, ScriptedResponse
from ._stream import encode_event, stream_chunks
from ._text import count_tokens
from ._tools import PlannedCall
from ._validate import validate_chat

__all__ = ["AppState", "RecordedRequest", "build_app"]

FAULT_HEADER = "x-emulator-fault"
_COMPACT = (",", ":")
_SECRET_HEADERS = frozenset({"authorization", "api-key", "ocp-apim-subscription-key", "cookie"})
_CHAT_FIELDS = frozenset(
    {
        "messages",
        "model",
        "stream",
        "frequency_penalty",
        "presence_penalty",
        "temperature",
        "top_p",
        "max_tokens",
        "response_format",
        "stop",
        "tools",
        "tool_choice",
        "seed",
        "modalities",
    }
)
_EMBED_FIELDS = frozenset({"input", "dimensions", "encoding_format", "input_type", "model"})
_OPENAI_CHAT_FIELDS = _CHAT_FIELDS | frozenset(
    {
        "stream_options",
        "parallel_tool_calls",
        "n",
        "logprobs",
        "top_logprobs",
        "logit_bias",
        "user",
        "max_completion_tokens",
        "reasoning_effort",
        "store",
        "metadata",
        "service_tier",
    }
)
_OPENAI_EMBED_FIELDS = _EMBED_FIELDS | frozenset({"user"})


_PROMPT_FILTER_RESULTS = [{"prompt_index": 0, "content_filter_results": filter_results(None)}]
_AOAI_FILTER_CHUNK = {
    "choices": [],
    "created": 0,
    "id": "",
    "model": "",
    "object": "",
    "prompt_filter_results": _PROMPT_FILTER_RESULTS,
}


class DropConnection(Exception):
    """Raised inside a stream to make uvicorn close the socket mid-response."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DropConnection)


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
_LOG = logging.getLogger("azure_inference_emulator")


@dataclass
class RecordedRequest:
    """A request the emulator received; secret headers are redacted."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int | None = None
    chunks_sent: int = 0


@dataclass
class AppState:
    """Everything the app reads and the :class:`Emulator` changes."""

    deployments: Deployments
    key: str | None = field(default=None, repr=False)
    tokens: tuple[str, ...] = field(default=(), repr=False)
    chunk_delay: float = 0.0
    content_filter_phrases: tuple[str, ...] = ()
    faults: FaultState = field(default_factory=lambda: FaultState([]))
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(1000, 200_000))
    script: Script = field(default_factory=Script)
    requests: deque[RecordedRequest] = field(default_factory=lambda: deque(maxlen=10_000))
    rng: random.Random = field(default_factory=random.Random)


def _redact(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: ("REDACTED" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}


def _error_response(error: ServiceError, base_headers: dict[str, str]) -> Response:
    headers = {**base_headers, **error.headers}
    if "x-ms-error-code" not in {k.lower() for k in headers}:
        body = error.body if isinstance(error.body, Mapping) else {}
        inner = body.get("error") if isinstance(body.get("error"), Mapping) else body
        code = inner.get("code") if isinstance(inner, Mapping) else None
        if isinstance(code, str):
            headers["x-ms-error-code"] = code
    return Response(json.dumps(error.body), error.status, headers, media_type="application/json")


class _SSEResponse:
    """A minimal streaming response that can also drop the connection."""

    def __init__(self, events: AsyncIterator[bytes], headers: dict[str, str]) -> None:
        self.events = events
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = [(k.lower().encode(), v.encode()) for k, v in self.headers.items()]
        raw.append((b"content-type", b"text/event-stream; charset=utf-8"))
        raw.append((b"cache-control", b"no-cache"))
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        # A client that hangs up must not keep its stream generating (and sleeping).
        watcher = asyncio.create_task(watch())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": raw})
            async for piece in self.events:
                if gone.is_set():
                    return
                await send({"type": "http.response.body", "body": piece, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()


async def _events(
    chunks: list[Any], faults: list[FaultSpec], delay: float, done: bool, record: RecordedRequest
) -> AsyncIterator[bytes]:
    drop = next((f.drop_after for f in faults if f.drop_after is not None), None)
    malformed = next((f.malformed_after for f in faults if f.malformed_after is not None), None)
    error_at = next((f.error_event_after for f in faults if f.error_event_after is not None), None)
    done = done and not any(f.no_done for f in faults)
    for sent, chunk in enumerate(chunks):
        if sent and delay:
            await asyncio.sleep(delay)
        if drop is not None and sent >= drop:
            raise DropConnection
        if malformed is not None and sent == malformed:
            yield b'data: {"id": "malformed", "choices": [{"delta": {"content": "tr\n\n'
        if error_at is not None and sent == error_at:
            body = error_body("server_error", "The model failed while streaming (emulated).")
            yield encode_event(json.dumps(body))
            return
        yield encode_event(
            chunk if isinstance(chunk, str) else json.dumps(chunk, separators=_COMPACT)
        )
        record.chunks_sent += 1
    if drop is not None and len(chunks) >= drop:
        raise DropConnection
    if done:
        yield b"data: [DONE]\n\n"


def _message_texts(body: Mapping[str, Any]) -> list[str]:
    texts: list[str] = []
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, Mapping) else None
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return texts


def _check_fields(
    body: dict[str, Any], route: Route, profile: ModelProfile, mode: str | None
) -> dict[str, Any]:
    openai = route.flavour in ("aoai", "v1")
    if route.kind == "chat":
        known = _OPENAI_CHAT_FIELDS if openai else _CHAT_FIELDS
    else:
        known = _OPENAI_EMBED_FIELDS if openai else _EMBED_FIELDS
    extra = [k for k in body if k not in known]
    if openai:
        if extra:
            raise ServiceError(
                400,
                {
                    "error": {
                        "message": f"Unrecognized request argument supplied: {extra[0]}",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                },
            )
        mode = "pass-through"
        extra = [
            k for k in body if k not in (_CHAT_FIELDS if route.kind == "chat" else _EMBED_FIELDS)
        ]
    elif mode not in (None, "error", "drop", "pass-through"):
        raise bad_request(
            f"extra-parameters must be 'pass-through', 'drop' or 'error'; got {mode!r}.",
            param="extra-parameters",
        )
    if not extra:
        return body
    if mode in (None, "error"):
        raise extra_parameters_error(extra)
    if mode == "drop":
        return {k: v for k, v in body.items() if k not in extra}
    for name in extra:
        if name not in profile.extra_parameters:
            raise parameter_not_supported([name], body[name])
    return body


def _scripted_result(
    scripted: ScriptedResponse, result_id: str, model: str, prompt_tokens: int
) -> ChatResult:
    calls = [PlannedCall(i, n, a) for i, n, a in scripted.call_list()]
    finish = scripted.finish_reason or ("tool_calls" if calls else "stop")
    content = scripted.text if scripted.text is not None or not calls else None
    choice = ChoiceResult(content, finish, scripted.reasoning, calls)
    completion = count_tokens(content or "") + sum(count_tokens(c.arguments) for c in calls)
    return ChatResult(
        result_id, int(time.time()), model, [choice], prompt_tokens, completion, 0, True, False
    )


class _Handler:
    def __init__(self, state: AppState) -> None:
        self.state = state

    async def __call__(self, request: Request) -> Response | _SSEResponse:
        state = self.state
        request_id = uuid.uuid4().hex
        headers = {k.lower(): v for k, v in request.headers.items()}
        base = {"x-ms-request-id": request_id, "apim-request-id": request_id}
        if "x-ms-client-request-id" in headers:
            base["x-ms-client-request-id"] = headers["x-ms-client-request-id"]
        raw = await request.body()
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        record = RecordedRequest(
            request.method, request.url.path, dict(request.query_params), _redact(headers), parsed
        )
        state.requests.append(record)
        delay = 0.0
        try:
            route = resolve_route(request.url.path)
            check_auth(headers, state.key, state.tokens)
            check_api_version(route, request.query_params.get("api-version"))
            specs = list(state.faults.server_faults)
            if FAULT_HEADER in headers:
                try:
                    specs.append(parse_fault(headers[FAULT_HEADER]))
                except ValueError as exc:
                    raise bad_request(str(exc), code="invalid_fault") from None
            firing = state.faults.active(specs, route.kind)
            delay = max((f.delay_first_byte or 0.0 for f in firing), default=0.0)
            if delay:
                await asyncio.sleep(delay)
            for spec in firing:
                if spec.status is not None:
                    raise spec.error()
            state.limiter.admit()
            response = await self._answer(request, route, headers, parsed, record, firing, base)
        except ServiceError as error:
            record.status = error.status
            return _error_response(error, base)
        except Exception as exc:  # an emulator bug: answer like a 500 from the service
            _LOG.exception("emulator failure on %s %s", request.method, request.url.path)
            record.status = 500
            message = f"The emulator failed: {type(exc).__name__}: {exc}"
            return _error_response(
                ServiceError(500, error_body("InternalServerError", message, status=500)), base
            )
        record.status = response.status_code if isinstance(response, Response) else 200
        return response

    async def _answer(
        self,
        request: Request,
        route: Route,
        headers: Mapping[str, str],
        parsed: Any,
        record: RecordedRequest,
        firing: list[FaultSpec],
        base: dict[str, str],
    ) -> Response | _SSEResponse:
        state = self.state
        if route.kind == "info":
            if route.flavour != "serverless":
                raise ServiceError(404, error_body("404", "Resource not found"))
            profile, name = pick_profile(route, state.deployments, None, headers)
            return self._json(
                {
                    "model_name": name,
                    "model_type": profile.model_type,
                    "model_provider_name": profile.provider,
                },
                base,
            )
        if request.method != "POST":
            raise ServiceError(405, error_body("MethodNotAllowed", "Use POST for this route."))
        if not isinstance(parsed, dict):
            raise bad_request("The request body must be a JSON object.")
        profile, model_name = pick_profile(route, state.deployments, parsed.get("model"), headers)
        wanted = {
            "chat": profile.is_chat,
            "embeddings": not profile.is_chat,
            "images": profile.image_embeddings,
        }[route.kind]
        if not wanted:
            operation = {
                "chat": "chat completions",
                "embeddings": "embeddings",
                "images": "image embeddings",
            }[route.kind]
            raise not_found(
                f"The {operation} operation does not work with the specified model, "
                f"{profile.name} ({profile.model_type}). Choose a model that supports it.",
                code="OperationNotSupported",
            )
        body = _check_fields(parsed, route, profile, headers.get("extra-parameters"))
        if route.kind == "embeddings":
            answer = embed_texts(body, profile, base["x-ms-request-id"][:8])
            answer["model"] = model_name
            state.limiter.spend(int(answer["usage"]["total_tokens"]))
            return self._json(answer, base)
        if route.kind == "images":
            answer = embed_images(body, profile, base["x-ms-request-id"][:8])
            answer["model"] = model_name
            state.limiter.spend(int(answer["usage"]["total_tokens"]))
            return self._json(answer, base)
        return self._chat(body, profile, model_name, route, request, record, firing, base)

    def _chat(
        self,
        body: dict[str, Any],
        profile: ModelProfile,
        model_name: str,
        route: Route,
        request: Request,
        record: RecordedRequest,
        firing: list[FaultSpec],
        base: dict[str, str],
    ) -> Response | _SSEResponse:
        state = self.state
        checked = validate_chat(body, profile)
        texts = " ".join(_message_texts(body)).lower()
        prompt_fault = next((f for f in firing if f.content_filter == "prompt"), None)
        if prompt_fault is not None or any(
            p.lower() in texts for p in state.content_filter_phrases
        ):
            raise content_filter_error(flat=bool(prompt_fault and prompt_fault.flat))
        last_user = next(
            (t.text for t in reversed(checked.turns) if t.role == "user" and not t.was_system),
            "",
        )
        scripted = state.script.take(last_user)
        result_id = base["x-ms-request-id"]
        if scripted is not None and scripted.status is not None:
            raise ServiceError(scripted.status, scripted.body, scripted.headers)
        version = request.query_params.get("api-version")
        in_field = route.flavour in ("aoai", "v1") or version in REASONING_FIELD_VERSIONS
        if scripted is not None:
            result = _scripted_result(scripted, result_id, model_name, checked.prompt_tokens)
            base = {**base, **scripted.headers}
        else:
            result = compose(
                checked, profile, request_id=result_id, rng=state.rng, reasoning_in_field=in_field
            )
            result.model = model_name
        if any(f.content_filter == "completion" for f in firing):
            result = cut_by_filter(result)
        state.limiter.spend(result.prompt_tokens + result.completion_tokens)
        if not checked.stream:
            if scripted is not None and scripted.chunks is not None:
                raise bad_request("This scripted answer has raw chunks; send stream=true.")
            answer = completion_body(result)
            if route.flavour == "aoai":
                answer["prompt_filter_results"] = _PROMPT_FILTER_RESULTS
            return self._json(answer, base)
        delay = next(
            (f.chunk_delay for f in firing if f.chunk_delay is not None), state.chunk_delay
        )
        if scripted is not None and scripted.chunks is not None:
            chunks: list[Any] = list(scripted.chunks)
            done = scripted.done
        else:
            chunks = stream_chunks(result, profile, checked.include_usage)
            done = scripted.done if scripted is not None else True
            if route.flavour == "aoai":
                # Azure OpenAI opens with a filter-only chunk: empty id and model, no choices.
                chunks.insert(0, _AOAI_FILTER_CHUNK)
        return _SSEResponse(_events(chunks, firing, delay, done, record), base)

    def _json(self, body: Any, base: dict[str, str]) -> Response:
        requests_left, tokens_left = self.state.limiter.remaining()
        headers = dict(base)
        if requests_left is not None:
            headers["x-ratelimit-remaining-requests"] = str(max(0, requests_left))
        if tokens_left is not None:
            headers["x-ratelimit-remaining-tokens"] = str(max(0, tokens_left))
        return Response(json.dumps(body), 200, headers, media_type="application/json")


def build_app(state: AppState) -> Starlette:
    """The Starlette app serving every route shape from ``state``."""
    handler = _Handler(state)

    async def endpoint(request: Request) -> Response:
        response = await handler(request)
        return response  # type: ignore[return-value]

    return Starlette(
        routes=[StarletteRoute("/{path:path}", endpoint, methods=["GET", "POST", "PUT", "DELETE"])]
    )
