"""The request pipeline, in the order the service applies its checks.

1. record / replay modes hand the request to :mod:`._replay` untouched;
2. route (unknown path: 404), credential (401), ``api-version``;
3. faults from the server and the ``x-emulator-fault`` header;
4. body, deployment, operation (wrong one for the model: 404);
5. quotas of that deployment (429);
6. ``extra-parameters`` and the model's capabilities (400 / 422);
7. content filter, then the composed or scripted answer, shaped for the
   model's family (:mod:`._shape`), with simulated latency, JSON or SSE.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ._chat import ChatResult, ChoiceResult, completion_body, compose, cut_by_filter
from ._embeddings import embed_images, embed_texts
from ._errors import ServiceError, as_openai_error, bad_request, content_filter_error, error_body
from ._faults import FaultSpec, parse_fault
from ._fields import check_fields
from ._http import SSEResponse, StreamPlan, error_response, json_response, sse_events
from ._profiles import ModelProfile
from ._replay import replay
from ._responses_out import serve_responses, stored_response
from ._routing import (
    REASONING_FIELD_VERSIONS,
    Route,
    check_api_version,
    check_auth,
    pick_profile,
    resolve_route,
)
from ._script import ScriptedResponse
from ._shape import info_body, shape_chunks, shape_completion, shape_embeddings
from ._state import AppState, RecordedRequest, redact
from ._stream import stream_chunks
from ._text import count_tokens
from ._tools import PlannedCall
from ._validate import validate_chat

__all__ = ["FAULT_HEADER", "Pipeline"]

FAULT_HEADER = "x-emulator-fault"
_LOG = logging.getLogger("azure_inference_emulator")
_OPERATIONS = {
    "chat": "chat completions",
    "embeddings": "embeddings",
    "images": "image embeddings",
    "responses": "responses",
}


def _message_texts(body: Mapping[str, Any]) -> list[str]:
    texts: list[str] = []
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, Mapping) else None
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return texts


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


def _serverless_401(error: ServiceError) -> ServiceError:
    """Serverless hosts answer 401 flat, ``{"statusCode", "message"}`` (recorded)."""
    inner = error.body.get("error") if isinstance(error.body, Mapping) else None
    message = inner.get("message") if isinstance(inner, Mapping) else str(error.body)
    return ServiceError(401, {"statusCode": 401, "message": message}, error.headers)


class Pipeline:
    """The one handler behind every inference route."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    async def __call__(self, request: Request) -> Response | SSEResponse:
        state = self.state
        request_id = str(uuid.uuid4())
        headers = {k.lower(): v for k, v in request.headers.items()}
        base = {
            "x-request-id": request_id,
            "x-ms-request-id": request_id,
            "apim-request-id": request_id,
        }
        if "x-ms-client-request-id" in headers:
            base["x-ms-client-request-id"] = headers["x-ms-client-request-id"]
        raw = await request.body()
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        record = RecordedRequest(
            request.method, request.url.path, dict(request.query_params), redact(headers), parsed
        )
        state.requests.append(record)
        state.count("requests")
        route: Route | None = None
        try:
            if state.mode == "replay" and state.cassette is not None:
                response: Response | SSEResponse = replay(state.cassette, request, raw)
            elif state.mode == "record" and state.recorder is not None:
                response = await state.recorder.forward(request, raw)
            else:
                route = resolve_route(request.url.path)
                response = await self._checked(request, route, headers, parsed, record, base)
        except ServiceError as error:
            if route is not None and route.flavour in ("aoai", "v1"):
                error = as_openai_error(error)
            if error.status == 401 and route is not None and route.flavour == "serverless":
                error = _serverless_401(error)
                base = {}  # recorded: serverless 401s carry no request id
            elif route is None and state.mode == "emulate":
                # A path the service lacks is answered by its gateway (recorded on Azure
                # OpenAI): apim-request-id, no X-Request-ID.
                base = {k: v for k, v in base.items() if k != "x-request-id"}
            record.status = error.status
            state.count(f"status_{error.status}")
            return error_response(error, base)
        except Exception as exc:  # an emulator bug: answer like a 500 from the service
            _LOG.exception("emulator failure on %s %s", request.method, request.url.path)
            record.status = 500
            state.count("status_500")
            message = f"The emulator failed: {type(exc).__name__}: {exc}"
            return error_response(
                ServiceError(500, error_body("InternalServerError", message, status=500)), base
            )
        record.status = response.status_code
        state.count(f"status_{response.status_code}")
        return response

    async def _checked(
        self,
        request: Request,
        route: Route,
        headers: Mapping[str, str],
        parsed: Any,
        record: RecordedRequest,
        base: dict[str, str],
    ) -> Response | SSEResponse:
        state = self.state
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
        if route.kind == "stored":
            return stored_response(state, route, request.method, base)
        if route.kind == "info":
            if route.flavour != "serverless":
                raise ServiceError(404, error_body("404", "Resource not found"))
            profile, name = pick_profile(route, state.deployments, None, headers)
            state.quotas.admit(name)
            return json_response(info_body(profile, name), base)
        if request.method != "POST":
            raise ServiceError(405, error_body("MethodNotAllowed", "Use POST for this route."))
        if not isinstance(parsed, dict):
            raise bad_request("The request body must be a JSON object.")
        profile, name = pick_profile(route, state.deployments, parsed.get("model"), headers)
        self._check_operation(route, profile)
        state.quotas.admit(name)
        if route.kind == "responses":
            return await serve_responses(
                state, parsed, profile, name, route, request, record, firing, base
            )
        body = check_fields(parsed, route, profile, headers.get("extra-parameters"))
        if route.kind == "chat":
            return await self._chat(body, profile, name, route, request, record, firing, base)
        embed = embed_texts if route.kind == "embeddings" else embed_images
        answer = shape_embeddings(embed(body, profile, base["x-request-id"][:8]), profile, route)
        answer["model"] = name
        state.quotas.spend(name, int(answer["usage"]["total_tokens"]))
        if state.latency is not None:
            await asyncio.sleep(state.latency.embeddings.draw(state.latency_rng))
        return json_response(answer, {**base, **state.quotas.headers(name)})

    @staticmethod
    def _check_operation(route: Route, profile: ModelProfile) -> None:
        wanted = {
            "chat": profile.is_chat,
            "embeddings": not profile.is_chat,
            "images": profile.image_embeddings,
            "responses": profile.responses_api != "no",
        }[route.kind]
        if route.kind == "chat" and profile.responses_api == "only":
            # Codex and other Responses-only deployments refuse chat completions with a 400.
            raise ServiceError(
                400,
                error_body(
                    "OperationNotSupported",
                    f"The chatCompletion operation does not work with the specified model, "
                    f"{profile.name}. Please choose different model and try again. You can "
                    "learn more about which models can be used with each operation here: "
                    "https://go.microsoft.com/fwlink/?linkid=2197993.",
                ),
            )
        if wanted:
            return
        if route.flavour == "serverless":
            # Recorded: the model container has no such route: 404 text/plain "NOT FOUND".
            raise ServiceError(
                404,
                "NOT FOUND",
                {
                    "ms-azureml-model-error-reason": "model_error",
                    "ms-azureml-model-error-statuscode": "404",
                    "x-ms-error-code": "OperationNotSupported",
                },
            )
        raise ServiceError(
            404,
            error_body(
                "OperationNotSupported",
                f"The {_OPERATIONS[route.kind]} operation does not work with the specified "
                f"model, {profile.name} ({profile.model_type}). Choose a model that supports it.",
                status=404,
            ),
        )

    async def _chat(
        self,
        body: dict[str, Any],
        profile: ModelProfile,
        name: str,
        route: Route,
        request: Request,
        record: RecordedRequest,
        firing: list[FaultSpec],
        base: dict[str, str],
    ) -> Response | SSEResponse:
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
        result_id = base["x-request-id"].replace("-", "")
        if scripted is not None and scripted.status is not None:
            raise ServiceError(scripted.status, scripted.body, scripted.headers)
        version = request.query_params.get("api-version")
        in_field = route.flavour in ("aoai", "v1") or version in REASONING_FIELD_VERSIONS
        if scripted is not None:
            result = _scripted_result(scripted, result_id, name, checked.prompt_tokens)
            base = {**base, **scripted.headers}
        else:
            result = compose(
                checked, profile, request_id=result_id, rng=state.rng, reasoning_in_field=in_field
            )
            result.model = name
        if any(f.content_filter == "completion" for f in firing):
            result = cut_by_filter(result)
        state.quotas.spend(name, result.prompt_tokens + result.completion_tokens)
        state.count("tokens", result.prompt_tokens + result.completion_tokens)
        headers = {**base, **state.quotas.headers(name), "x-ms-rai-invoked": "true"}
        pictures = [image for turn in checked.turns for image in turn.images]
        images = None if not pictures else "url" if any(i.url for i in pictures) else "data"
        latency = state.latency
        if not checked.stream:
            if scripted is not None and scripted.chunks is not None:
                raise bad_request("This scripted answer has raw chunks; send stream=true.")
            if latency is not None:
                rng = state.latency_rng
                wait = latency.first_token.draw(rng) + sum(
                    latency.per_token.draw(rng) for _ in range(result.completion_tokens)
                )
                await asyncio.sleep(wait)
            answer = shape_completion(completion_body(result), profile, route, images)
            return json_response(answer, headers)
        fault_delay = next((f.chunk_delay for f in firing if f.chunk_delay is not None), None)
        if fault_delay is not None or latency is None:
            plan = StreamPlan(
                firing, chunk_delay=state.chunk_delay if fault_delay is None else fault_delay
            )
        else:
            rng = state.latency_rng
            plan = StreamPlan(
                firing,
                first_delay=latency.first_token.draw(rng),
                chunk_delay=lambda: latency.per_token.draw(rng),
            )
        if scripted is not None and scripted.chunks is not None:
            chunks: list[Any] = list(scripted.chunks)
            done = scripted.done
        else:
            plain = stream_chunks(result, profile, checked.include_usage)
            chunks = shape_chunks(plain, profile, route, images)
            done = scripted.done if scripted is not None else True
        state.count("streams")
        return SSEResponse(sse_events(chunks, plan, done, record), headers)
