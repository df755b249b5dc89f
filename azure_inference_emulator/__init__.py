"""A local emulator of the Azure AI Model Inference API (like Azurite for Storage).

Serves ``/info``, ``/chat/completions``, ``/embeddings`` and
``/images/embeddings`` under every endpoint shape (serverless, Foundry
``/models``, Azure OpenAI deployments, ``/openai/v1``), with model profiles,
streaming, tools, faults, scripted answers, simulated latency and quotas, and
record / replay of a real endpoint. See the emulator section of README.md.

Names are imported on first use, so the pytest plugin (``pytest_plugin``,
registered as an entry point) loads even where the ``emulator`` extra
(starlette, uvicorn) is not installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import RecordedRequest
    from ._faults import FaultSpec, parse_fault
    from ._profiles import PROFILES, ModelProfile, get_profile
    from ._script import Script, ScriptedResponse
    from ._server import Emulator

__all__ = [
    "PROFILES",
    "Emulator",
    "FaultSpec",
    "ModelProfile",
    "RecordedRequest",
    "Script",
    "ScriptedResponse",
    "get_profile",
    "parse_fault",
]

_HOMES = {
    "PROFILES": "._profiles",
    "Emulator": "._server",
    "FaultSpec": "._faults",
    "ModelProfile": "._profiles",
    "RecordedRequest": "._state",
    "Script": "._script",
    "ScriptedResponse": "._script",
    "get_profile": "._profiles",
    "parse_fault": "._faults",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'azure_inference_emulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
