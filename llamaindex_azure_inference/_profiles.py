"""What each known model family can do, decided from its name alone.

LlamaIndex asks an LLM for its context window and whether it can call
functions before the first request (prompt packing, agent selection,
structured-output routing). The Azure AI Model Inference API has a `/info`
route, but only on some endpoint flavours and only as a blocking request, so
the answers come from this table instead: no I/O, and every value can be
overridden on the LLM.

Sources: the model cards and "How to use ... with Azure AI" pages of each
family (Phi-3 and Phi-3.5 context lengths and the Phi-3-vision one-image rule
come from Microsoft's Phi how-to pages; the GPT windows from the Azure OpenAI
model list).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from llama_index.core.constants import DEFAULT_CONTEXT_WINDOW, DEFAULT_NUM_OUTPUTS

__all__ = ["ModelProfile", "UNKNOWN_PROFILE", "profile_for"]


@dataclass(frozen=True)
class ModelProfile:
    """Capabilities of one model family.

    Attributes:
        family: Short family label used in error messages.
        context_window: Total tokens (prompt plus completion) the model takes.
        num_output: Default completion budget LlamaIndex reserves.
        function_calling: The model accepts `tools` / `tool_choice`.
        json_object: The model accepts `response_format: json_object`.
        json_schema: The model accepts `response_format: json_schema`.
        vision: The model accepts `image_url` content parts.
        max_images_per_message: Images allowed in one user turn (None: no limit).
        audio: The model accepts `input_audio` content parts.
        stream_usage_opt_in: OpenAI-style: usage is streamed only when asked with
            `stream_options: {"include_usage": true}`.
        tool_content_json: Tool-message content must be a valid JSON string.
    """

    family: str
    context_window: int
    num_output: int
    function_calling: bool = True
    json_object: bool = True
    json_schema: bool = False
    vision: bool = False
    max_images_per_message: int | None = None
    audio: bool = False
    stream_usage_opt_in: bool = False
    tool_content_json: bool = False


# Unknown models: the brief of this integration is to let agents work, so an
# unknown model is assumed to call functions (the service answers with a clear
# 422 if it cannot). The window stays LlamaIndex's conservative default: a
# window guessed too large overflows the model, one too small only packs less.
UNKNOWN_PROFILE = ModelProfile(
    family="unknown",
    context_window=DEFAULT_CONTEXT_WINDOW,
    num_output=DEFAULT_NUM_OUTPUTS,
    function_calling=True,
    json_object=True,
    vision=True,
    audio=True,
)

_PHI3 = ModelProfile(
    family="Phi-3",
    context_window=4096,
    num_output=1024,
    function_calling=False,
    json_object=False,
)
_GPT = ModelProfile(
    family="GPT",
    context_window=128000,
    num_output=16384,
    json_schema=True,
    vision=True,
    stream_usage_opt_in=True,
)
_MISTRAL = ModelProfile(family="Mistral", context_window=131072, num_output=4096)
_COHERE = ModelProfile(
    family="Cohere", context_window=131072, num_output=4096, tool_content_json=True
)
_LLAMA = ModelProfile(family="Llama", context_window=131072, num_output=4096, json_object=False)

# Ordered: the first prefix that matches the lower-cased model name wins, so
# specific names come before their family's catch-all.
_TABLE: tuple[tuple[str, ModelProfile], ...] = (
    # Phi-3 / Phi-3.5: no tools, no JSON mode.
    ("phi-3-vision", replace(_PHI3, context_window=131072, vision=True, max_images_per_message=1)),
    ("phi-3.5-vision", replace(_PHI3, family="Phi-3.5", context_window=131072, vision=True)),
    ("phi-3-mini-4k", _PHI3),
    ("phi-3-medium-4k", _PHI3),
    ("phi-3-small-8k", replace(_PHI3, context_window=8192)),
    ("phi-3.5", replace(_PHI3, family="Phi-3.5", context_window=131072)),
    ("phi-3", replace(_PHI3, context_window=131072)),  # the 128k variants
    (
        "phi-4-multimodal",
        replace(_PHI3, family="Phi-4", context_window=131072, vision=True, audio=True),
    ),
    ("phi-4-mini", replace(_PHI3, family="Phi-4", context_window=131072, function_calling=True)),
    ("phi-4", replace(_PHI3, family="Phi-4", context_window=16384)),
    # Mistral.
    ("mistral-large", _MISTRAL),
    ("mistral-small", replace(_MISTRAL, context_window=32768)),
    ("mistral-nemo", _MISTRAL),
    ("mistral-medium", replace(_MISTRAL, vision=True)),
    ("ministral", _MISTRAL),
    ("codestral", replace(_MISTRAL, context_window=262144)),
    # Cohere.
    ("cohere-command-a", replace(_COHERE, context_window=256000, num_output=8192)),
    ("cohere-command-r", _COHERE),
    ("command-r", _COHERE),
    # Azure OpenAI.
    ("gpt-4o-audio", replace(_GPT, audio=True)),
    ("gpt-4o", _GPT),
    ("gpt-4.1", replace(_GPT, context_window=1047576, num_output=32768)),
    ("gpt-4-turbo", replace(_GPT, num_output=4096)),
    (
        "gpt-4-32k",
        replace(_GPT, context_window=32768, num_output=4096, json_schema=False, vision=False),
    ),
    ("gpt-4", replace(_GPT, context_window=8192, num_output=4096, json_schema=False, vision=False)),
    (
        "gpt-35-turbo",
        replace(_GPT, context_window=16385, num_output=4096, json_schema=False, vision=False),
    ),
    (
        "gpt-3.5-turbo",
        replace(_GPT, context_window=16385, num_output=4096, json_schema=False, vision=False),
    ),
    ("gpt-", _GPT),
    ("o1", replace(_GPT, family="o-series", context_window=200000, num_output=100000)),
    ("o3", replace(_GPT, family="o-series", context_window=200000, num_output=100000)),
    ("o4", replace(_GPT, family="o-series", context_window=200000, num_output=100000)),
    # Others served by the inference API.
    ("meta-llama-3.1", _LLAMA),
    ("llama-3.3", _LLAMA),
    ("meta-llama-3", replace(_LLAMA, context_window=8192, function_calling=False)),
    ("llama-3.2", replace(_LLAMA, vision=True, function_calling=False)),
    (
        "deepseek-r1",
        ModelProfile(
            family="DeepSeek-R1", context_window=128000, num_output=8192, function_calling=False
        ),
    ),
    ("deepseek-v3", ModelProfile(family="DeepSeek-V3", context_window=131072, num_output=8192)),
    ("ai21-jamba", ModelProfile(family="Jamba", context_window=262144, num_output=4096)),
    ("jamba", ModelProfile(family="Jamba", context_window=262144, num_output=4096)),
)


def profile_for(model: str | None) -> ModelProfile:
    """Return the profile of `model`, matched by name prefix.

    Args:
        model: Model or deployment name as the user gave it (case ignored).
            Deployment names that do not start with the model's name fall
            back to the unknown profile; override the metadata fields then.

    Returns:
        The matching profile, or `UNKNOWN_PROFILE`.
    """
    if not model:
        return UNKNOWN_PROFILE
    name = model.lower()
    for prefix, profile in _TABLE:
        if name.startswith(prefix):
            return profile
    return UNKNOWN_PROFILE
