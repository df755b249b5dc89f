"""Error mapping: every status, every body shape, request ids, content filter."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from azure_inference_core import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    AzureInferenceError,
    BadRequestError,
    ConfigurationError,
    ContentFilterError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamError,
    UnsupportedParameterError,
)
from azure_inference_core._errors import error_from_response

from .conftest import Driver

NESTED_FILTER = {
    "error": {
        "message": "The response was filtered due to the prompt triggering Microsoft's content "
        "management policy. Please modify your prompt and retry.",
        "type": None,
        "param": "prompt",
        "code": "content_filter",
        "status": 400,
        "innererror": {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_result": {"hate": {"filtered": True}},
        },
    }
}
FLAT_FILTER = {
    "status": 400,
    "code": "content_filter",
    "message": "The response was filtered",
    "param": "messages",
    "type": None,
}
UNSUPPORTED = {
    "status": 422,
    "code": "parameter_not_supported",
    "detail": [{"loc": ["body", "response_format"], "input": "json_object"}],
    "message": "One of the parameters contain invalid values.",
}
EXTRA_NOT_ALLOWED = {
    "detail": "Extra parameters ['stream_options'] are not allowed when extra-parameters is not "
    "set or set to be 'error'. Set extra-parameters to 'pass-through' to pass to the model."
}


def raw(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def test_hierarchy() -> None:
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(ContentFilterError, BadRequestError)
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        UnsupportedParameterError,
        RateLimitError,
        ServerError,
    ):
        assert issubclass(cls, APIStatusError)
    for cls in (ConfigurationError, APIConnectionError, APIStatusError, StreamError):
        assert issubclass(cls, AzureInferenceError)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (408, APIStatusError),
        (409, APIStatusError),
        (422, UnsupportedParameterError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
    ],
)
def test_status_mapping(status: int, cls: type[APIStatusError]) -> None:
    error = error_from_response(
        status,
        {"x-ms-request-id": "rid"},
        raw({"error": {"code": "Some", "message": "went wrong"}}),
    )
    assert type(error) is cls
    assert error.status_code == status
    assert error.code == "Some"
    assert error.message.startswith("went wrong")
    assert error.request_id == "rid"
    assert error.body == {"error": {"code": "Some", "message": "went wrong"}}
    assert f"status {status}" in str(error)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            raw({"error": {"code": "Unauthorized", "message": "Access denied"}}),
            "Unauthorized",
            "Access denied",
        ),
        (raw({"status": 400, "code": "bad", "message": "flat message"}), "bad", "flat message"),
        (raw({"detail": "plain detail"}), None, "plain detail"),
        (
            raw({"detail": [{"loc": ["body", "x"], "msg": "field required"}]}),
            None,
            "field required",
        ),
        (raw({"error": "just a string"}), None, "just a string"),
        (b"upstream connect error", None, "upstream connect error"),
        (b"", None, "without an error message"),
    ],
)
def test_body_shapes(body: bytes, code: str | None, message: str) -> None:
    error = error_from_response(400, {}, body)
    assert error.code == code
    assert message in error.message


def test_content_filter_both_shapes() -> None:
    nested = error_from_response(400, {}, raw(NESTED_FILTER))
    assert isinstance(nested, ContentFilterError)
    assert nested.details == {"hate": {"filtered": True}}
    assert "content management policy" in nested.message
    flat = error_from_response(400, {}, raw(FLAT_FILTER))
    assert isinstance(flat, ContentFilterError)
    assert flat.code == "content_filter"
    assert flat.message == "The response was filtered"


def test_unsupported_parameter_names_them() -> None:
    error = error_from_response(422, {}, raw(UNSUPPORTED))
    assert isinstance(error, UnsupportedParameterError)
    assert error.parameters == ["response_format"]
    assert error.code == "parameter_not_supported"
    assert "response_format" in str(error)
    assert "Remove them or choose a supported value" in str(error)


def test_extra_parameters_400_says_what_to_do() -> None:
    error = error_from_response(400, {}, raw(EXTRA_NOT_ALLOWED))
    assert type(error) is BadRequestError
    assert "model_extras" in str(error)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-ms-request-id": "a", "apim-request-id": "b"}, "a"),
        ({"apim-request-id": "b", "x-request-id": "c"}, "b"),
        ({"x-request-id": "c"}, "c"),
        ({"x-ms-client-request-id": "d"}, "d"),
        ({}, "ours"),
    ],
)
def test_request_id_sources(headers: dict[str, str], expected: str) -> None:
    assert error_from_response(500, headers, b"", client_request_id="ours").request_id == expected


def test_error_code_header_fallback() -> None:
    error = error_from_response(403, {"x-ms-error-code": "NoAccess"}, b"forbidden")
    assert error.code == "NoAccess"


def test_rate_limit_carries_retry_after() -> None:
    error = error_from_response(429, {}, b"", retry_after=7.5)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.5


async def test_client_maps_statuses(driver: Driver) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json=UNSUPPORTED, headers={"apim-request-id": "apim-1"})

    client = driver.client(handler=handler, max_retries=0)
    with pytest.raises(UnsupportedParameterError) as info:
        await driver.complete(client, response_format={"type": "json_object"})
    assert info.value.request_id == "apim-1"
    assert info.value.parameters == ["response_format"]


async def test_client_rate_limit_retry_after(driver: Driver) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            json={"error": {"code": "429", "message": "slow down"}},
            headers={"retry-after": "12"},
        )

    client = driver.client(handler=handler, max_retries=0)
    with pytest.raises(RateLimitError) as info:
        await driver.complete(client)
    assert info.value.retry_after == 12.0


async def test_finish_reason_content_filter_raises_with_partial_completion(driver: Driver) -> None:
    body = {
        "id": "c",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Partial ans"},
                "finish_reason": "content_filter",
                "content_filter_results": {"violence": {"filtered": True, "severity": "medium"}},
            }
        ],
    }
    client = driver.client(handler=lambda r: httpx.Response(200, json=body))
    with pytest.raises(ContentFilterError) as info:
        await driver.complete(client)
    error = info.value
    assert error.status_code == 200
    assert error.completion is not None
    assert error.completion.choices[0].message.content == "Partial ans"
    assert error.details == {"violence": {"filtered": True, "severity": "medium"}}


async def test_content_filter_400_through_client(driver: Driver) -> None:
    client = driver.client(handler=lambda r: httpx.Response(400, json=NESTED_FILTER))
    with pytest.raises(ContentFilterError) as info:
        await driver.complete(client)
    assert info.value.status_code == 400
    assert info.value.completion is None


async def test_info_404_explains_why(driver: Driver) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            404, json={"error": {"code": "NotFound", "message": "Resource not found"}}
        )

    client = driver.client("https://r.services.ai.azure.com/models", handler=handler, model="d")
    with pytest.raises(NotFoundError) as info:
        await driver.call(client, "get_model_info")
    message = str(info.value)
    assert "no /info route" in message
    assert "foundry" in message
    assert "Resource not found" in message


async def test_non_json_200_is_a_typed_error(driver: Driver) -> None:
    client = driver.client(handler=lambda r: httpx.Response(200, content=b"<html>proxy</html>"))
    with pytest.raises(APIStatusError, match="not a ChatCompletion"):
        await driver.complete(client)


async def test_transport_errors_translated(driver: Driver) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client = driver.client(handler=refuse, max_retries=0)
    with pytest.raises(APIConnectionError, match="ConnectError") as info:
        await driver.complete(client)
    assert not isinstance(info.value, APITimeoutError)
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    client = driver.client(handler=slow, max_retries=0)
    with pytest.raises(APITimeoutError, match="timeout="):
        await driver.complete(client)
