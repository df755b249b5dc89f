"""Turning a read answer into a typed result or a typed error (pure; no I/O).

Everything here is shared by the sync and async clients. Every failure is an
``AzureInferenceError``: a body that is not the expected JSON (malformed, too
deep, wrong shape), a 200 that carries an ``error`` object or no choices, a body
over a size limit or in an encoding that was not asked for, and a redirect
that would carry credentials elsewhere.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ._call import Call
from ._deadline import Deadline
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AzureInferenceError,
    ContentFilterError,
    ResponseTooLargeError,
    error_from_response,
    escape,
    excerpt,
    request_id_from_headers,
)
from ._no_httpx_cli import httpx
from ._wire import ChatCompletion

__all__ = [
    "check_completion",
    "follow",
    "connection_error",
    "token_timeout",
    "next_hop",
    "parse_answer",
    "too_large",
    "undecodable",
]

#: Headers kept on a redirect to another origin; everything else (credentials,
#: default headers that may hold secrets, our request metadata) is dropped.
_CROSS_ORIGIN_SAFE = frozenset(
    {"host", "user-agent", "accept", "accept-encoding", "content-type", "content-length"}
)


def _request_id(call: Call, response: httpx.Response) -> str | None:
    return request_id_from_headers(response.headers, call.client_request_id)


def _preview(body: bytes) -> str:
    return excerpt(body[:2000].decode("utf-8", errors="replace"))


def parse_answer(model: type[Any], call: Call, response: httpx.Response, body: bytes) -> Any:
    """``model`` validated from the JSON ``body``; any failure is an ``APIStatusError``."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'body'}: {error['msg']}"
            for error in exc.errors(include_url=False, include_input=False)[:3]
        )
        raise APIStatusError(
            f"The service answered {response.status_code} with a body that is not a "
            f"{model.__name__} ({excerpt(problems, 500)}); "
            "check the endpoint URL, or any proxy between you and the service.",
            status_code=response.status_code,
            request_id=_request_id(call, response),
            body=_preview(body),
        ) from None


def check_completion(
    completion: ChatCompletion, call: Call, response: httpx.Response, body: bytes
) -> ChatCompletion:
    """Raise for a 200 that reports an error, has no choices, or was cut by the filter."""
    extra = completion.__pydantic_extra__
    if extra and extra.get("error"):
        error = error_from_response(
            400, response.headers, body, client_request_id=call.client_request_id
        )
        kind = ContentFilterError if error.code == "content_filter" else APIStatusError
        raise kind(
            f"The service answered 200 with an error instead of a completion: {error.message}",
            status_code=response.status_code,
            code=error.code,
            request_id=error.request_id,
            body=error.body,
        )
    if not completion.choices:
        raise APIStatusError(
            "The service answered 200 with a completion that has no choices; nothing to "
            "return. Retry, or report it with the request id.",
            status_code=response.status_code,
            request_id=_request_id(call, response),
            body=_preview(body),
        )
    for choice in completion.choices:
        if choice.finish_reason == "content_filter":
            raise ContentFilterError(
                "The completion was cut by the content filter (finish_reason "
                "'content_filter'); the partial answer is on .completion.",
                status_code=response.status_code,
                code="content_filter",
                request_id=_request_id(call, response),
                details=(choice.model_extra or {}).get("content_filter_results"),
                completion=completion,
            )
    return completion


def too_large(call: Call, response: httpx.Response, limit: int) -> ResponseTooLargeError:
    """The error for an answer whose decoded body passed ``max_response_bytes``."""
    return ResponseTooLargeError(
        f"The service's answer is larger than max_response_bytes={limit} bytes (decoded); "
        "it was not read further. If answers this large are expected (many long "
        "embeddings), raise max_response_bytes= on the client.",
        limit=limit,
        setting="max_response_bytes",
        status_code=response.status_code,
        request_id=_request_id(call, response),
    )


def undecodable(call: Call, response: httpx.Response, reason: Exception) -> APIStatusError:
    """The error for a body in an encoding we did not ask for, or corrupt compressed data."""
    return APIStatusError(
        f"The service's answer could not be decoded: {escape(str(reason))}. A proxy may be "
        "re-encoding answers; check what sits between you and the service.",
        status_code=response.status_code,
        request_id=_request_id(call, response),
    )


def _same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def _https_upgrade(a: httpx.URL, b: httpx.URL) -> bool:
    return (
        a.scheme == "http"
        and b.scheme == "https"
        and a.host == b.host
        and a.port in (None, 80)
        and b.port in (None, 443)
    )


def follow(
    http: httpx.Client | httpx.AsyncClient, call: Call, response: httpx.Response, hops: int
) -> httpx.Request | AzureInferenceError | None:
    """The next request when the caller's httpx client follows redirects, None when there
    is none to follow, or the error (to raise once the response is closed) for a refused one."""
    if response.next_request is None or not http.follow_redirects:
        return None
    try:
        return next_hop(call, response, hops, http.max_redirects)
    except AzureInferenceError as exc:
        return exc


def next_hop(
    call: Call, response: httpx.Response, hops: int, max_redirects: int
) -> httpx.Request | None:
    """The redirected request to send, when the caller's httpx client follows redirects.

    Same origin (or an http to https upgrade of the same host): sent as httpx
    would. Another origin: only headers that cannot hold a secret are kept
    (``api-key``, ``Authorization`` and every other default header dropped).
    A redirect from https to http is refused.
    """
    request = response.next_request
    if request is None:
        return None
    target = request.url
    if hops >= max_redirects:
        raise APIStatusError(
            f"The service redirected more than max_redirects={max_redirects} times; "
            "check the endpoint URL.",
            status_code=response.status_code,
            request_id=_request_id(call, response),
        )
    origin = response.request.url
    if origin.scheme == "https" and target.scheme != "https":
        raise APIStatusError(
            f"Refusing a redirect from https to {escape(target.scheme)}://"
            f"{escape(target.host)}: the request and its credentials would travel in clear. "
            "Check the endpoint URL (it should be the https one).",
            status_code=response.status_code,
            request_id=_request_id(call, response),
        )
    if not (_same_origin(call.url, target) or _https_upgrade(call.url, target)):
        for name in list(request.headers.keys()):
            if name.lower() not in _CROSS_ORIGIN_SAFE:
                del request.headers[name]
    return request


def token_timeout(call: Call, deadline: Deadline) -> APITimeoutError:
    """The error for a token fetch that used up the call's ``total_timeout``."""
    return APITimeoutError(
        f"Getting an Entra ID token from the credential took the whole total_timeout "
        f"({deadline.total:g} s) before the request was sent; raise total_timeout= or "
        "check the credential (azure-identity logs why it is slow).",
        request_id=call.client_request_id,
    )


def connection_error(exc: httpx.HTTPError, call: Call) -> AzureInferenceError:
    """The one place httpx exceptions become ours."""
    if isinstance(exc, httpx.TimeoutException):
        deadline = call.deadline
        if deadline is not None and deadline.expired():
            return APITimeoutError(deadline.message(), request_id=call.client_request_id)
        return APITimeoutError(
            f"The request timed out ({type(exc).__name__}); raise timeout= or retry later.",
            request_id=call.client_request_id,
        )
    return APIConnectionError(
        f"Could not reach {call.url.host} ({type(exc).__name__}: {escape(str(exc)[:500])}).",
        request_id=call.client_request_id,
    )
