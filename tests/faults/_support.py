"""One test body for six clients: the core, LangChain and LlamaIndex, each sync and async.

A ``Target`` builds a fresh client per call (so a fault header set as the
client's ``default_headers`` applies to that call only), runs one
non-streamed or streamed chat, closes the client and returns plain text.
Errors propagate untouched, so tests assert on the classes each package
exports (``errors``).
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from azure_inference_emulator import Emulator

KEY = "fault-suite-key-5d1c7a90e2"
"""Distinctive, so a leak anywhere can be found by a plain substring search."""

PACKAGES = {
    "core": "azure_inference_core",
    "langchain": "langchain_azure_inference",
    "llamaindex": "llamaindex_azure_inference",
}


def fault_id() -> str:
    """A fresh counter name, so fault counts never carry over between tests."""
    return "t" + uuid.uuid4().hex[:10]


def hits(emu: Emulator, fid: str) -> int:
    """Requests the emulator saw carrying the fault with ``id=fid``."""
    return sum(1 for r in emu.requests if fid in r.headers.get("x-emulator-fault", ""))


@dataclass(frozen=True)
class Target:
    """One client family (``core``, ``langchain``, ``llamaindex``) in one mode."""

    family: str
    is_async: bool

    @property
    def name(self) -> str:
        return f"{self.family}-{'async' if self.is_async else 'sync'}"

    @property
    def errors(self) -> ModuleType:
        """The package whose exported error names the user would catch."""
        return importlib.import_module(PACKAGES[self.family])

    # -- construction -------------------------------------------------------------

    def make(
        self,
        endpoint: str,
        *,
        fault: str | None = None,
        max_retries: int = 2,
        timeout: float | None = 10.0,
        model: str | None = None,
        credential: Any = KEY,
        **options: Any,
    ) -> Any:
        """A client of this family; ``options`` (``total_timeout``, ...) go to its constructor."""
        headers = {"x-emulator-fault": fault} if fault else None
        if self.family == "core":
            from azure_inference_core import AsyncInferenceClient, InferenceClient

            cls = AsyncInferenceClient if self.is_async else InferenceClient
            return cls(
                endpoint,
                credential,
                model=model,
                max_retries=max_retries,
                timeout=timeout,
                default_headers=headers,
                **options,
            )
        if self.family == "langchain":
            from langchain_azure_inference import ChatAzureInference

            return ChatAzureInference(
                endpoint=endpoint,
                credential=credential,
                model=model,
                max_retries=max_retries,
                timeout=timeout,
                default_headers=headers,
                **options,
            )
        from llamaindex_azure_inference import AzureInference

        return AzureInference(
            endpoint=endpoint,
            credential=credential,
            model=model,
            max_retries=max_retries,
            timeout=timeout,
            default_headers=headers,
            **options,
        )

    async def close(self, client: Any) -> None:
        if self.is_async:
            await client.aclose()
        else:
            client.close()

    # -- calls --------------------------------------------------------------------

    async def complete(self, client: Any, prompt: str, **params: Any) -> str:
        """One non-streamed answer's text."""
        if self.family == "core":
            messages = [{"role": "user", "content": prompt}]
            if self.is_async:
                result = await client.complete(messages, **params)
            else:
                result = client.complete(messages, **params)
            return str(result.choices[0].message.content)
        if self.family == "langchain":
            message = (
                await client.ainvoke(prompt, **params)
                if self.is_async
                else client.invoke(prompt, **params)
            )
            return str(message.content)
        from llama_index.core.llms import ChatMessage

        chat = [ChatMessage(role="user", content=prompt)]
        response = (
            await client.achat(chat, **params) if self.is_async else client.chat(chat, **params)
        )
        return str(response.message.content)

    async def stream(
        self, client: Any, prompt: str, sink: Callable[[str], None] | None = None, **params: Any
    ) -> list[str]:
        """The text pieces of one streamed answer; ``sink`` sees each piece as it comes."""
        pieces: list[str] = []

        def take(text: Any) -> None:
            text = text if isinstance(text, str) else ""
            pieces.append(text)
            if sink is not None:
                sink(text)

        if self.family == "core":
            messages = [{"role": "user", "content": prompt}]
            if self.is_async:
                async with client.stream(messages, **params) as stream:
                    async for chunk in stream:
                        for choice in chunk.choices:
                            take(choice.delta.content)
            else:
                with client.stream(messages, **params) as stream:
                    for chunk in stream:
                        for choice in chunk.choices:
                            take(choice.delta.content)
            return pieces
        if self.family == "langchain":
            if self.is_async:
                async for message in client.astream(prompt, **params):
                    take(message.content)
            else:
                for message in client.stream(prompt, **params):
                    take(message.content)
            return pieces
        from llama_index.core.llms import ChatMessage

        chat = [ChatMessage(role="user", content=prompt)]
        if self.is_async:
            async for response in await client.astream_chat(chat, **params):
                take(response.delta)
        else:
            for response in client.stream_chat(chat, **params):
                take(response.delta)
        return pieces

    async def run(
        self,
        endpoint: str,
        prompt: str,
        *,
        streamed: bool,
        params: dict[str, Any] | None = None,
        **make: Any,
    ) -> str:
        """Build a client, run one call (with ``params``), close it; the answer's text."""
        client = self.make(endpoint, **make)
        try:
            if streamed:
                return "".join(await self.stream(client, prompt, **(params or {})))
            return await self.complete(client, prompt, **(params or {}))
        finally:
            await self.close(client)


TARGETS = [Target(f, a) for f in ("core", "langchain", "llamaindex") for a in (False, True)]
TARGET_IDS = [t.name for t in TARGETS]
