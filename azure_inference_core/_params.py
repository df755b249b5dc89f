"""Request parameters as one typed object, declared once.

``ChatParams`` and ``EmbedParams`` are the keyword arguments of the clients'
``complete`` / ``stream`` and ``embed`` / ``embed_images`` (``**params:
Unpack[ChatParams]``), and what the adapters build for them. ``None`` means
"not given" everywhere; an unknown name is a ``TypeError`` listing the valid ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from typing_extensions import TypedDict

from ._no_httpx_cli import httpx

if TYPE_CHECKING:
    from ._request import ExtraParameters  # loads the message models: not at import

__all__ = [
    "CHAT_PARAMS",
    "EMBED_PARAMS",
    "ChatParams",
    "EmbedParams",
    "check_names",
    "chat_params",
    "embed_params",
]


class _CallOptions(TypedDict, total=False):
    extra_parameters: ExtraParameters | None
    """``extra-parameters`` header mode for this call."""
    headers: Mapping[str, str] | None
    """Extra request headers for this call."""
    timeout: float | httpx.Timeout | None
    """Per-operation timeouts for this call, replacing the client's."""
    total_timeout: float | None
    """Bound on the whole call, retries included, replacing the client's."""
    model_extras: Mapping[str, Any] | None
    """Parameters the API does not define, merged into the body (with pass-through)."""
    model: str | None
    """Deployment name; defaults to the client's ``model``."""


class ChatParams(_CallOptions, total=False):
    """The chat parameters of ``complete`` and ``stream`` (all optional)."""

    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    """Completion budget; sent as ``max_completion_tokens`` to models that take only that."""
    max_completion_tokens: int | None
    """Completion budget, reasoning tokens included (OpenAI reasoning models)."""
    reasoning_effort: str | None
    """``minimal`` / ``low`` / ``medium`` / ``high`` on models with a reasoning setting."""
    seed: int | None
    presence_penalty: float | None
    frequency_penalty: float | None
    stop: Sequence[str] | None
    response_format: Mapping[str, Any] | None
    tools: Sequence[Mapping[str, Any]] | None
    tool_choice: str | Mapping[str, Any] | None
    parallel_tool_calls: bool | None


class EmbedParams(_CallOptions, total=False):
    """The parameters of ``embed`` and ``embed_images`` (all optional)."""

    dimensions: int | None
    encoding_format: str | None
    input_type: str | None


CHAT_PARAMS: tuple[str, ...] = tuple(ChatParams.__annotations__)
EMBED_PARAMS: tuple[str, ...] = tuple(EmbedParams.__annotations__)


# Names people bring from other SDKs, and the name to use here.
_RENAMES = {
    "api_key": "credential",
    "key": "credential",
    "azure_endpoint": "endpoint",
    "base_url": "endpoint",
    "endpoint_url": "endpoint",
    "deployment_name": "model",
    "model_name": "model",
    "azure_deployment": "model",
    "stop_sequences": "stop",
}


def check_names(given: Iterable[str], valid: Iterable[str], where: str) -> None:
    """Raise for any name in ``given`` that is not in ``valid``.

    Raises:
        TypeError: naming each unknown argument, a likely intended name, and
            every valid name.
    """
    valid_set = set(valid)
    unknown = [name for name in given if name not in valid_set]
    if not unknown:
        return
    import difflib  # only for this error message (import cost)

    parts = []
    for name in unknown:
        guess = _RENAMES.get(name)
        if guess is None or guess not in valid_set:
            close = difflib.get_close_matches(name, valid_set, n=1)
            guess = close[0] if close else None
        parts.append(f"{name!r} (did you mean {guess!r}?)" if guess else repr(name))
    raise TypeError(
        f"{where} got unknown argument(s) {', '.join(parts)}. "
        f"Valid names: {', '.join(sorted(valid_set))}."
    )


def chat_params(params: Mapping[str, Any], where: str = "complete()") -> dict[str, Any]:
    """Every chat parameter (absent ones as None), after checking the names."""
    check_names(params, CHAT_PARAMS, where)
    return {name: params.get(name) for name in CHAT_PARAMS}


def embed_params(params: Mapping[str, Any], where: str = "embed()") -> dict[str, Any]:
    """Every embeddings parameter (absent ones as None), after checking the names."""
    check_names(params, EMBED_PARAMS, where)
    return {name: params.get(name) for name in EMBED_PARAMS}
