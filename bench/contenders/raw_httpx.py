"""The floor: httpx plus ``json``, no models, no validation, no retries.

What any client has to spend at least: build a JSON body, send it over a
pooled connection, parse the JSON (or each SSE ``data:`` line) that comes back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from .._payloads import MODEL, TOOL_DEFS
from ._base import QUESTION, Contender, ToolCalls, package_versions

_QUERY = "/chat/completions?api-version=2024-05-01-preview"
_BODY = {"messages": [{"role": "user", "content": QUESTION}], "model": MODEL}


class RawHttpx(Contender):
    def _headers(self) -> dict[str, str]:
        return {
            "authorization": f"Bearer {self.key}",
            "content-type": "application/json",
            "accept": "application/json",
        }

    def make(self, path: str) -> tuple[httpx.Client, str, dict[str, str]]:
        return httpx.Client(timeout=60.0), self.endpoint(path) + _QUERY, self._headers()

    def close_client(self, client: Any) -> None:
        client[0].close()

    def call_with(self, client: Any) -> str:
        http, url, headers = client
        response = http.post(url, content=json.dumps(_BODY), headers=headers)
        response.raise_for_status()
        content: str = json.loads(response.content)["choices"][0]["message"]["content"]
        return content

    def _events(self, client: Any, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        http, url, headers = client
        with http.stream("POST", url, content=json.dumps(body), headers=headers) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                yield json.loads(data)

    def stream_with(self, client: Any) -> Iterator[str]:
        for event in self._events(client, {**_BODY, "stream": True}):
            for choice in event["choices"]:
                yield choice["delta"].get("content") or ""

    def tools_with(self, client: Any) -> ToolCalls:
        calls: dict[int, list[str]] = {}
        body = {**_BODY, "stream": True, "tools": TOOL_DEFS}
        for event in self._events(client, body):
            for choice in event["choices"]:
                for fragment in choice["delta"].get("tool_calls") or ():
                    slot = calls.setdefault(fragment["index"], ["", ""])
                    function = fragment.get("function") or {}
                    slot[0] += function.get("name") or ""
                    slot[1] += function.get("arguments") or ""
        return [(name, json.loads(args)) for _, (name, args) in sorted(calls.items())]

    def amake(self, path: str) -> tuple[httpx.AsyncClient, str, dict[str, str]]:
        return httpx.AsyncClient(timeout=60.0), self.endpoint(path) + _QUERY, self._headers()

    async def acall_with(self, client: Any) -> str:
        http, url, headers = client
        response = await http.post(url, content=json.dumps(_BODY), headers=headers)
        response.raise_for_status()
        content: str = json.loads(response.content)["choices"][0]["message"]["content"]
        return content

    async def aclose_client(self, client: Any) -> None:
        await client[0].aclose()


CONTENDER = RawHttpx


def versions() -> dict[str, str]:
    return package_versions("httpx")
