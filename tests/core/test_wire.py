"""Response models: unknown fields kept, nulls accepted, model_type spellings."""

from __future__ import annotations

import json

import pytest

from azure_inference_core import (
    ChatCompletion,
    ChatCompletionChunk,
    EmbeddingsResult,
    ModelInfo,
    ModelType,
)


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("chat-completion", ModelType.CHAT_COMPLETION),
        ("chat-completions", ModelType.CHAT_COMPLETION),
        ("chat_completion", ModelType.CHAT_COMPLETION),
        ("Chat_Completions", ModelType.CHAT_COMPLETION),
        ("completion", ModelType.COMPLETION),
        ("embeddings", ModelType.EMBEDDINGS),
        ("image-embeddings", ModelType.IMAGE_EMBEDDINGS),
        ("image_embeddings", ModelType.IMAGE_EMBEDDINGS),
    ],
)
def test_model_type_spellings(spelling: str, expected: ModelType) -> None:
    info = ModelInfo.model_validate(
        {"model_name": "m", "model_type": spelling, "model_provider_name": "p"}
    )
    assert info.model_type is expected
    assert info.is_chat_model is (expected is ModelType.CHAT_COMPLETION)


def test_unknown_model_type_is_kept() -> None:
    info = ModelInfo.model_validate_json(
        b'{"model_name": "m", "model_type": "video-generation", "model_provider_name": "p"}'
    )
    assert info.model_type == "video-generation"
    assert not info.is_chat_model
    assert not info.is_embeddings_model


def test_unknown_fields_and_null_content_are_kept() -> None:
    body = {
        "id": "x",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o",
        "system_fingerprint": "fp_9",
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}],
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "content_filter_results": {"hate": {"filtered": False}},
                "message": {
                    "role": "assistant",
                    "content": None,
                    "reasoning_content": "thinking",
                    "refusal": None,
                    "tool_calls": [
                        {
                            "id": "c",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
            }
        ],
        "usage": {
            "prompt_tokens": 1,
            "completion_tokens": 2,
            "total_tokens": 3,
            "completion_tokens_details": {"reasoning_tokens": 0},
            "prompt_tokens_details": {"cached_tokens": 0},
        },
    }
    completion = ChatCompletion.model_validate_json(json.dumps(body))
    assert completion.model_extra == {
        "system_fingerprint": "fp_9",
        "prompt_filter_results": body["prompt_filter_results"],
    }
    choice = completion.choices[0]
    assert choice.message.content is None
    assert choice.message.reasoning_content == "thinking"
    assert choice.model_extra == {"content_filter_results": {"hate": {"filtered": False}}}
    assert completion.usage is not None
    assert completion.usage.model_extra == {
        "completion_tokens_details": {"reasoning_tokens": 0},
        "prompt_tokens_details": {"cached_tokens": 0},
    }
    assert completion.model_dump(mode="json", exclude_unset=True) == body


def test_minimal_chunk_parses() -> None:
    chunk = ChatCompletionChunk.model_validate_json(b'{"choices":[{"delta":{}}]}')
    assert chunk.choices[0].index == 0
    assert chunk.choices[0].delta.content is None


def test_embeddings_float_and_base64() -> None:
    floats = EmbeddingsResult.model_validate_json(
        b'{"id":"e","object":"list","model":"Cohere-embed-v3-english","data":[{"index":0,"object":"embedding","embedding":[0.0013,-0.0157]}],"usage":{"prompt_tokens":15,"total_tokens":15}}'
    )
    assert floats.data[0].embedding == [0.0013, -0.0157]
    assert floats.usage is not None
    assert floats.usage.prompt_tokens == 15
    b64 = EmbeddingsResult.model_validate_json(b'{"data":[{"index":0,"embedding":"AAAAPw=="}]}')
    assert b64.data[0].embedding == "AAAAPw=="
