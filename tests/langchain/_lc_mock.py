"""An httpx MockTransport that records requests and answers like the service."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

ENDPOINT = "https://res.services.ai.azure.com/models"
KEY = "sk-very-secret-key-123"


def completion_body(content: str | None = "Hi!", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "cmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "Mistral-Large",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6},
    }
    body.update(extra)
    return body


def sse(*chunks: dict[str, Any], done: bool = True) -> bytes:
    lines = [f"data: {json.dumps(c)}\n\n" for c in chunks]
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def text_stream(*pieces: str, usage_on_last: bool = True) -> bytes:
    chunks: list[dict[str, Any]] = []
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        choice = {
            "index": 0,
            "delta": {"content": piece},
            "finish_reason": "stop" if last else None,
        }
        c: dict[str, Any] = {"id": "s-1", "model": "Mistral-Large", "choices": [choice]}
        if last and usage_on_last:
            c["usage"] = {
                "prompt_tokens": 4,
                "completion_tokens": len(pieces),
                "total_tokens": 4 + len(pieces),
            }
        chunks.append(c)
    return sse(*chunks)


class Recorder:
    """Answers every request with ``reply`` and keeps what was sent."""

    def __init__(self, reply: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self._reply = reply or (lambda _req: httpx.Response(200, json=completion_body()))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._reply(request)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]

    @property
    def last_body(self) -> dict[str, Any]:
        return self.bodies[-1]

    @property
    def last_headers(self) -> httpx.Headers:
        return self.requests[-1].headers

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


def streaming(body: bytes) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _req: httpx.Response(
        200, content=body, headers={"content-type": "text/event-stream"}
    )


def error(
    status: int, body: dict[str, Any], **headers: str
) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _req: httpx.Response(status, json=body, headers=headers)


EMULATOR_KEY = "lc-test-key-0123456789"


def clients(model: Any) -> tuple[Any, Any]:
    """The (sync, async) core clients a model holds right now (None: none built)."""
    slot = model._lifecycle._slots.get(id(model))
    if slot is None:
        return None, None
    sync = slot.entry.client if slot.entry is not None else None
    async_ = slot.aentry.client if slot.aentry is not None else None
    return sync, async_


def make_chat(recorder: Recorder, **kwargs: Any) -> Any:
    """A ChatAzureInference (Mistral-Large on a Foundry URL) answered by ``recorder``."""
    from langchain_azure_inference import ChatAzureInference

    params: dict[str, Any] = {
        "endpoint": ENDPOINT,
        "credential": KEY,
        "model": "Mistral-Large",
        "max_retries": 0,
        "http_client": recorder.client(),
        "async_http_client": recorder.async_client(),
    }
    params.update(kwargs)
    return ChatAzureInference(**params)
