"""Which optional body fields may go where, and whether they need a pass-through header.

The rule: an optional field is sent only when the caller asked for it, never
for the library's own convenience. The recorded traffic of the official SDKs
holds no ``stream_options`` and no ``parallel_tool_calls`` for serverless
models, and ``extra-parameters: pass-through`` only with model extras the
caller gave (``n`` in the recordings).

* ``parallel_tool_calls`` and ``stream_options`` are fields of the OpenAI
  routes (Azure OpenAI deployments, ``/openai/v1``) but not of the inference
  API's chat schema: elsewhere the service answers 400 "Extra parameters
  [...] are not allowed" unless the request says ``pass-through``.
* Usage on streams: models whose usage style is ``last_chunk`` (Mistral, Phi,
  Cohere, ...) report it on their last chunk unasked, so even a caller who asks
  for usage gets no ``stream_options`` sent to them. ``opt_in`` models
  (OpenAI) report it only when asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._endpoint import EndpointFlavour
from ._models import ModelCapabilities

__all__ = ["OPENAI_FLAVOURS", "OPENAI_ONLY_FIELDS", "needs_pass_through", "stream_usage_options"]

OPENAI_FLAVOURS = frozenset({EndpointFlavour.AZURE_OPENAI, EndpointFlavour.OPENAI_V1})
#: Body fields the OpenAI routes define and the inference API's chat schema does not.
OPENAI_ONLY_FIELDS = frozenset({"parallel_tool_calls", "stream_options"})


def needs_pass_through(
    body: Mapping[str, Any],
    flavour: EndpointFlavour,
    extras: Mapping[str, Any] | None = None,
) -> bool:
    """True when the request needs ``extra-parameters: pass-through``.

    Args:
        body: the request body.
        flavour: the endpoint flavour.
        extras: the caller's ``model_extras`` (merged into ``body``).

    Returns:
        True when ``body`` holds a field this route does not define: any model
        extra, or an OpenAI-only field off the OpenAI routes. On the OpenAI routes
        ``stream_options`` and ``parallel_tool_calls`` are fields of their own.
    """
    names = set(extras or ())
    if flavour in OPENAI_FLAVOURS:
        return bool(names - OPENAI_ONLY_FIELDS)
    return bool(names) or any(name in body for name in OPENAI_ONLY_FIELDS)


def stream_usage_options(
    asked: bool | None, capabilities: ModelCapabilities
) -> dict[str, Any] | None:
    """The ``stream_options`` to send for a caller's usage wish, or None to send nothing.

    Args:
        asked: the caller's wish (None: not asked, False: refused, True: wanted).
        capabilities: the model's row of the capability table.

    Returns:
        ``{"include_usage": True}`` when the caller asked and the model is not known
        to report usage unasked (an OpenAI-style or an unknown model); None
        otherwise. Off the OpenAI routes it travels under ``pass-through``
        (see :func:`needs_pass_through`).
    """
    if not asked:
        return None
    if capabilities.known and capabilities.usage_style == "last_chunk":
        return None
    return {"include_usage": True}
