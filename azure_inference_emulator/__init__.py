"""A local emulator of the Azure AI Model Inference API (like Azurite for Storage).

Serves ``/info``, ``/chat/completions``, ``/embeddings`` and
``/images/embeddings`` under every endpoint shape (serverless, Foundry
``/models``, Azure OpenAI deployments, ``/openai/v1``), with model profiles,
streaming, tools, faults and scripted answers. See the emulator section of README.md.
"""

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
