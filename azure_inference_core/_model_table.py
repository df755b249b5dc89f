"""The rows of the one model table (``_models.capabilities_for`` reads them).

Matched by prefix of the lower-cased deployment or model name, first row wins,
so version suffixes (``gpt-4o-2024-08-06``, ``mistral-large-2411``,
``DeepSeek-R1-0528``, ``Cohere-command-r-plus-08-2024``) land on their family.
Specific names come before their family's catch-all.

Sources: the Azure OpenAI model list (context window, max output, modalities,
which models are reasoning models and what they refuse), the Foundry model
catalog / "models sold directly by Azure" and partner pages (tool calling and
response formats per family), and the seeds' Phi, Mistral and Cohere pages.
Where a source gives a larger window than deployments serve (Llama 4 Scout's
10M), the row keeps the conservative 128K the serverless deployments take.
Context windows are prompt plus completion; ``max_output`` is the largest
completion budget.
"""

from __future__ import annotations

from dataclasses import replace

from ._models import ModelCapabilities

__all__ = ["REASONING_REJECTED", "TABLE"]

#: What OpenAI's reasoning models (o-series, gpt-5) refuse on chat completions.
REASONING_REJECTED = frozenset(
    {
        "temperature",
        "top_p",
        "presence_penalty",
        "frequency_penalty",
        "logprobs",
        "top_logprobs",
        "logit_bias",
    }
)

_PHI3 = ModelCapabilities(
    family="Phi-3",
    context_window=4096,
    max_output=1024,
    tools=False,
    json_object=False,
    parallel_tools=False,
    system_role=False,
)
_PHI4 = replace(_PHI3, family="Phi-4", context_window=16384, max_output=4096, system_role=True)
_GPT = ModelCapabilities(
    family="GPT",
    context_window=128000,
    max_output=16384,
    json_schema=True,
    vision=10,
    usage_style="opt_in",
    encoding="o200k_base",
)
_OLD_GPT = replace(
    _GPT, context_window=16385, max_output=4096, json_schema=False, vision=0, encoding="cl100k_base"
)
_O_SERIES = replace(
    _GPT,
    family="o-series",
    context_window=200000,
    max_output=100000,
    reasoning=True,
    max_tokens_field="max_completion_tokens",
    reasoning_effort=True,
    developer_role=True,
    rejected=REASONING_REJECTED,
)
_GPT5 = replace(_O_SERIES, family="gpt-5", context_window=400000, max_output=128000)
_MISTRAL = ModelCapabilities(family="Mistral", context_window=131072, max_output=4096)
_COHERE = ModelCapabilities(
    family="Cohere command", context_window=131072, max_output=4096, tool_results_json=True
)
_LLAMA = ModelCapabilities(
    family="Llama", context_window=131072, max_output=4096, json_object=False
)
_DEEPSEEK_R1 = ModelCapabilities(
    family="DeepSeek-R1",
    context_window=128000,
    max_output=32768,
    tools=False,
    json_object=False,
    parallel_tools=False,
    reasoning=True,
)
_GROK = ModelCapabilities(
    family="Grok", context_window=131072, max_output=16384, json_schema=True, usage_style="opt_in"
)
_GROK_REASONING = replace(
    _GROK, reasoning=True, rejected=frozenset({"presence_penalty", "frequency_penalty", "stop"})
)
_EMBED = ModelCapabilities(
    family="embeddings",
    kind="embeddings",
    max_output=0,
    tools=False,
    json_object=False,
    parallel_tools=False,
)

TABLE: tuple[tuple[str, ModelCapabilities], ...] = (
    # Phi (Microsoft)
    ("phi-3-vision", replace(_PHI3, family="Phi-3-vision", context_window=131072, vision=1)),
    ("phi-3.5-vision", replace(_PHI3, family="Phi-3.5-vision", context_window=131072, vision=None)),
    ("phi-3-mini-4k", _PHI3),
    ("phi-3-medium-4k", _PHI3),
    ("phi-3-small-8k", replace(_PHI3, context_window=8192)),
    ("phi-3.5", replace(_PHI3, family="Phi-3.5", context_window=131072)),
    ("phi-3", replace(_PHI3, context_window=131072)),
    ("phi-4-multimodal", replace(_PHI4, context_window=131072, vision=None, audio=True)),
    ("phi-4-mini-reasoning", replace(_PHI4, context_window=131072, reasoning=True)),
    ("phi-4-mini", replace(_PHI4, context_window=131072)),
    ("phi-4-reasoning", replace(_PHI4, context_window=32768, max_output=32768, reasoning=True)),
    ("phi-4", _PHI4),
    # Mistral
    ("mistral-small-2503", replace(_MISTRAL, vision=None)),
    ("mistral-small-3", replace(_MISTRAL, vision=None)),
    ("mistral-small", replace(_MISTRAL, context_window=32768)),
    ("mistral-medium", replace(_MISTRAL, vision=None)),
    ("mistral-large", _MISTRAL),
    ("mistral-nemo", _MISTRAL),
    ("mistral-document-ai", replace(_MISTRAL, tools=False, vision=None)),
    ("mistral", _MISTRAL),
    ("ministral", _MISTRAL),
    ("codestral", replace(_MISTRAL, family="Codestral", context_window=262144)),
    # Cohere
    ("cohere-command-a", replace(_COHERE, context_window=256000, max_output=8192)),
    ("cohere-command", _COHERE),
    ("command-r", _COHERE),
    ("command-a", replace(_COHERE, context_window=256000, max_output=8192)),
    ("cohere-embed-v-4", replace(_EMBED, family="Cohere embed v4", context_window=128000)),
    ("embed-v-4", replace(_EMBED, family="Cohere embed v4", context_window=128000)),
    ("cohere-embed-v3", replace(_EMBED, family="Cohere embed v3", context_window=512)),
    ("embed-v3", replace(_EMBED, family="Cohere embed v3", context_window=512)),
    # OpenAI
    (
        "text-embedding-",
        replace(_EMBED, family="OpenAI embeddings", context_window=8191, encoding="cl100k_base"),
    ),
    ("gpt-4o-audio", replace(_GPT, audio=True)),
    ("gpt-4o", _GPT),
    ("gpt-4.1", replace(_GPT, context_window=1047576, max_output=32768)),
    ("gpt-4.5", replace(_GPT, max_output=16384)),
    ("gpt-4-turbo", replace(_GPT, max_output=4096, encoding="cl100k_base")),
    ("gpt-4-32k", replace(_OLD_GPT, context_window=32768)),
    ("gpt-4", replace(_OLD_GPT, context_window=8192)),
    ("gpt-35-turbo", _OLD_GPT),
    ("gpt-3.5-turbo", _OLD_GPT),
    ("gpt-5-chat", replace(_GPT, family="gpt-5-chat", max_tokens_field="max_completion_tokens")),
    ("gpt-5", _GPT5),
    ("gpt-oss", replace(_GPT, family="gpt-oss", vision=0, reasoning=True, reasoning_effort=True)),
    ("gpt-", _GPT),
    # o1-mini: no tools, no structured outputs, no system or developer message.
    (
        "o1-mini",
        replace(
            _O_SERIES,
            context_window=128000,
            max_output=65536,
            vision=0,
            tools=False,
            json_object=False,
            json_schema=False,
            parallel_tools=False,
            reasoning_effort=False,
            developer_role=False,
            system_role=False,
        ),
    ),
    (
        "o1-preview",
        replace(
            _O_SERIES,
            context_window=128000,
            max_output=32768,
            vision=0,
            tools=False,
            json_schema=False,
            reasoning_effort=False,
            developer_role=False,
            system_role=False,
        ),
    ),
    # Responses API only (chat completions answer 400 OperationNotSupported).
    ("codex-mini", replace(_O_SERIES, family="codex", vision=0, responses_only=True)),
    ("o3-pro", replace(_O_SERIES, family="o3-pro", responses_only=True)),
    ("o1", replace(_O_SERIES, parallel_tools=False)),
    ("o3-mini", replace(_O_SERIES, vision=0)),
    ("o3", _O_SERIES),
    ("o4", _O_SERIES),
    # Meta Llama
    ("llama-4", replace(_LLAMA, family="Llama 4", vision=None)),
    ("meta-llama-3.1", _LLAMA),
    ("llama-3.3", _LLAMA),
    ("meta-llama-3", replace(_LLAMA, context_window=8192, tools=False)),
    ("llama-3.2", replace(_LLAMA, vision=1, tools=False)),
    # DeepSeek
    ("deepseek-r1", _DEEPSEEK_R1),
    (
        "deepseek-v3",
        replace(_MISTRAL, family="DeepSeek-V3", context_window=128000, max_output=8192),
    ),
    # xAI Grok
    ("grok-3-mini", replace(_GROK_REASONING, reasoning_effort=True)),
    ("grok-4", replace(_GROK_REASONING, context_window=256000, vision=None)),
    ("grok-", _GROK),
    # AI21
    ("ai21-jamba", ModelCapabilities(family="Jamba", context_window=262144, max_output=4096)),
    ("jamba", ModelCapabilities(family="Jamba", context_window=262144, max_output=4096)),
)
