"""The I/O loop of one call, sync and async: the same steps, differing only in I/O.

Each attempt: the request (credentials added), the redirects the caller's
httpx client follows (``_answer.follow`` keeps credentials at home), then
the body read under the size limits (``_read``) and, on an error status, the
retry decision. The call's deadline is in ``CURRENT_DEADLINE`` throughout, so
every socket read and write of the call ends at its ``total_timeout``.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from ._answer import follow
from ._base import logger
from ._call import Call
from ._errors import AzureInferenceError
from ._no_httpx_cli import httpx
from ._read import CURRENT_DEADLINE, DecodeFailure, aread_body, read_body
from ._telemetry import STREAMS, Trace, TracedCall

if TYPE_CHECKING:
    from ._async_client import AsyncInferenceClient
    from ._client import InferenceClient

__all__ = ["asend", "send"]


def send(client: InferenceClient, call: Call) -> tuple[httpx.Response, bytes]:
    """Send with retries; the response and its decoded body (empty for a stream)."""
    if type(call) is not TracedCall:
        return _send(client, call, None)
    trace = call.trace  # the span covers every attempt; it ends in the parse or the stream
    trace.start()
    try:
        response, body = _send(client, call, trace)
    except BaseException as exc:
        trace.fail(exc)
        raise
    finally:
        trace.sent()
    if call.stream:
        STREAMS[response] = trace
    return response, body


async def asend(client: AsyncInferenceClient, call: Call) -> tuple[httpx.Response, bytes]:
    """The async twin of ``send``."""
    if type(call) is not TracedCall:
        return await _asend(client, call, None)
    trace = call.trace
    trace.start()
    try:
        response, body = await _asend(client, call, trace)
    except BaseException as exc:
        trace.fail(exc)
        raise
    finally:
        trace.sent()
    if call.stream:
        STREAMS[response] = trace
    return response, body


def _send(client: InferenceClient, call: Call, trace: Trace | None) -> tuple[httpx.Response, bytes]:
    retries = 0
    debug = logger.isEnabledFor(10)
    http, direct = client._http, client._direct
    call.start()
    # Every socket read and write until this call's last byte ends at its deadline.
    token = CURRENT_DEADLINE.set(call.deadline)
    try:
        while True:
            auth = client._auth_headers(call)
            started = time.perf_counter()
            response: httpx.Response | None = None
            try:
                if direct is not None and direct.ready():
                    response = answer = direct.send(call, auth)
                else:
                    request = call.request(http, auth)
                    response = answer = http.send(request, stream=True, follow_redirects=False)
                hops = 0
                while (following := follow(http, call, answer, hops)) is not None:
                    answer.close()
                    if isinstance(following, AzureInferenceError):
                        raise following
                    hops += 1
                    response = answer = http.send(following, stream=True, follow_redirects=False)
                if debug:
                    client._log_request(call, answer.status_code, started)
                if answer.is_success:
                    if call.stream:
                        return answer, b""
                    body, fits = read_body(answer, client._max_response_bytes)
                    if not fits:
                        raise client._too_large(call, answer, client._max_response_bytes)
                    return answer, body
                raw, fits = read_body(answer, client._max_error_bytes)
            except httpx.HTTPError as exc:
                if response is not None:
                    response.close()
                error = client._connection_error(exc, call)
                if debug:
                    client._log_request(call, type(exc).__name__, started)
                delay = client._retry_delay(call, retries)
                if delay is None:
                    raise error from exc
                if trace is not None:
                    trace.retry(retries, delay, None, type(error).__qualname__)
            except DecodeFailure as exc:
                assert response is not None
                raise client._undecodable(call, response, exc) from None
            else:
                delay = client._retry_delay(call, retries, answer)
                if delay is None:
                    raise client._status_error(call, answer, raw, fits)
                if trace is not None:
                    trace.retry(retries, delay, answer.status_code, None)
            time.sleep(delay)
            retries += 1
    finally:
        CURRENT_DEADLINE.reset(token)


async def _asend(
    client: AsyncInferenceClient, call: Call, trace: Trace | None
) -> tuple[httpx.Response, bytes]:
    retries = 0
    debug = logger.isEnabledFor(10)
    http, direct = client._http, client._direct
    call.start()
    # Every socket read and write until this call's last byte ends at its deadline.
    token = CURRENT_DEADLINE.set(call.deadline)
    try:
        while True:
            auth = await client._auth_headers(call)
            started = time.perf_counter()
            response: httpx.Response | None = None
            try:
                if direct is not None and direct.ready():
                    response = answer = await direct.asend(call, auth)
                else:
                    request = call.request(http, auth)
                    response = answer = await http.send(
                        request, stream=True, follow_redirects=False
                    )
                hops = 0
                while (following := follow(http, call, answer, hops)) is not None:
                    await answer.aclose()
                    if isinstance(following, AzureInferenceError):
                        raise following
                    hops += 1
                    response = answer = await http.send(
                        following, stream=True, follow_redirects=False
                    )
                if debug:
                    client._log_request(call, answer.status_code, started)
                if answer.is_success:
                    if call.stream:
                        return answer, b""
                    body, fits = await aread_body(answer, client._max_response_bytes)
                    if not fits:
                        raise client._too_large(call, answer, client._max_response_bytes)
                    return answer, body
                raw, fits = await aread_body(answer, client._max_error_bytes)
            except httpx.HTTPError as exc:
                if response is not None:
                    await response.aclose()
                error = client._connection_error(exc, call)
                if debug:
                    client._log_request(call, type(exc).__name__, started)
                delay = client._retry_delay(call, retries)
                if delay is None:
                    raise error from exc
                if trace is not None:
                    trace.retry(retries, delay, None, type(error).__qualname__)
            except DecodeFailure as exc:
                assert response is not None
                raise client._undecodable(call, response, exc) from None
            else:
                delay = client._retry_delay(call, retries, answer)
                if delay is None:
                    raise client._status_error(call, answer, raw, fits)
                if trace is not None:
                    trace.retry(retries, delay, answer.status_code, None)
            await asyncio.sleep(delay)
            retries += 1
    finally:
        CURRENT_DEADLINE.reset(token)
