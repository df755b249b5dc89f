"""`AzureInference.tokenizer`: LlamaIndex's tokenizer hook, offline for every model.

LlamaIndex counts tokens with a `Callable[[str], list]` (`Settings.tokenizer`,
`TokenCountingHandler(tokenizer=...)`, memory buffers) and only ever uses the
list's length. The counts are the core's (`azure_inference_core.token_counter`):
exact ids for OpenAI models from the tiktoken files llama-index-core ships in
its wheel (`_static/tiktoken_cache`), otherwise the core's documented estimate,
returned as that many placeholder ids (0). Nothing is downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import llama_index.core

if TYPE_CHECKING:
    from azure_inference_core import TokenCounter

__all__ = ["BUNDLED_TIKTOKEN_CACHE", "counter_for", "tokenizer_for"]

#: The tiktoken cache llama-index-core ships (cl100k_base and o200k_base).
BUNDLED_TIKTOKEN_CACHE = os.path.join(
    os.path.dirname(os.path.abspath(llama_index.core.__file__)), "_static", "tiktoken_cache"
)


def counter_for(model: str | None, endpoint: str | None) -> TokenCounter:
    """The core's counter for the model, with llama-index-core's bundled encodings."""
    from azure_inference_core._tokens import token_counter  # with the first count

    return token_counter(model, endpoint, cache_dirs=(BUNDLED_TIKTOKEN_CACHE,))


def tokenizer_for(model: str | None, endpoint: str | None) -> Callable[[str], list[int]]:
    """A LlamaIndex tokenizer: exact ids where the encoding is bundled, else placeholders."""
    counter = counter_for(model, endpoint)
    if counter.exact:
        return lambda text: counter.ids(text) or []
    return lambda text: [0] * counter.count(text)
