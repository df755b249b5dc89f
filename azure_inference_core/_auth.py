"""Key and token credentials; the token cache that refreshes before expiry.

Pure except for one call: fetching a token. The sync client calls
``credential.get_token`` under a ``threading.Lock``; the async client awaits it
(or calls a sync credential) under an ``asyncio.Lock``. Everything else (when
to refresh, which headers to send) lives here once.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable
from typing import Any, Protocol, runtime_checkable

from pydantic import SecretStr

from ._endpoint import KeyHeader
from ._errors import AuthenticationError, AzureInferenceError, ConfigurationError

__all__ = [
    "AccessTokenLike",
    "AsyncTokenCredential",
    "KeyAuth",
    "KeyLike",
    "TokenAuth",
    "TokenCredential",
    "check_header_value",
    "make_auth",
]

#: Refresh a token this many seconds before it expires.
REFRESH_MARGIN = 300.0


class AccessTokenLike(Protocol):
    """What ``get_token`` returns (azure.core's ``AccessToken`` fits)."""

    @property
    def token(self) -> str: ...

    @property
    def expires_on(self) -> int | float: ...


@runtime_checkable
class KeyLike(Protocol):
    """Any object holding a key in ``.key`` (azure.core's ``AzureKeyCredential`` fits)."""

    @property
    def key(self) -> str: ...


@runtime_checkable
class TokenCredential(Protocol):
    """A sync Entra ID credential (azure-identity's credentials fit)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessTokenLike: ...


@runtime_checkable
class AsyncTokenCredential(Protocol):
    """An async Entra ID credential (``azure.identity.aio`` credentials fit)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Awaitable[AccessTokenLike]: ...


def check_header_value(name: str, value: str, *, secret: bool = False) -> None:
    """Reject CR/LF in a header (header injection); never echo a secret value."""
    if "\r" in value or "\n" in value:
        shown = "<redacted>" if secret else repr(value)
        raise ConfigurationError(
            f"Header {name!r} has a value containing CR or LF ({shown}); "
            "remove the line break from the value."
        )


class KeyAuth:
    """A static key, sent in the header(s) the endpoint flavour reads."""

    __slots__ = ("_header", "_source")

    def __init__(self, source: SecretStr | KeyLike, header: KeyHeader) -> None:
        self._source = source
        self._header = header
        if isinstance(source, SecretStr):
            self._validate(source.get_secret_value())

    @staticmethod
    def _validate(key: str) -> None:
        if not isinstance(key, str) or not key.strip():
            raise ConfigurationError("The key credential is empty; pass the endpoint's key.")
        check_header_value("api-key", key, secret=True)

    def _key(self) -> str:
        if isinstance(self._source, SecretStr):
            return self._source.get_secret_value()
        key = self._source.key  # read each time: AzureKeyCredential supports rotation
        self._validate(key)
        return key

    def headers(self) -> dict[str, str]:
        """The auth headers for one request."""
        key = self._key()
        if self._header == "api-key":
            return {"api-key": key}
        if self._header == "authorization":
            return {"authorization": f"Bearer {key}"}
        return {"authorization": f"Bearer {key}", "api-key": key}

    def __repr__(self) -> str:
        return f"KeyAuth(header={self._header!r}, key='**********')"


class TokenAuth:
    """Entra ID token cache for one credential and one set of scopes.

    The cache is keyed by the scope tuple, so a token obtained for one
    resource is never sent to another.
    """

    __slots__ = ("_cache", "credential", "margin", "scopes")

    def __init__(
        self,
        credential: TokenCredential | AsyncTokenCredential,
        scopes: tuple[str, ...],
        *,
        margin: float = REFRESH_MARGIN,
    ) -> None:
        self.credential = credential
        self.scopes = scopes
        self.margin = margin
        self._cache: dict[tuple[str, ...], tuple[str, float]] = {}

    def cached_headers(self, now: float | None = None) -> dict[str, str] | None:
        """Headers from a still-fresh cached token, or None when a fetch is needed."""
        entry = self._cache.get(self.scopes)
        if entry is None:
            return None
        token, expires_on = entry
        if (time.time() if now is None else now) >= expires_on - self.margin:
            return None
        return {"authorization": f"Bearer {token}"}

    def store(self, access_token: Any) -> dict[str, str]:
        """Cache what ``get_token`` returned and give the headers for it."""
        token = getattr(access_token, "token", None)
        expires_on = getattr(access_token, "expires_on", None)
        if not isinstance(token, str) or not token or not isinstance(expires_on, (int, float)):
            raise ConfigurationError(
                "The token credential's get_token() returned an object without a string "
                "'.token' and a numeric '.expires_on'; use an azure-identity credential or "
                "return azure.core.credentials.AccessToken."
            )
        check_header_value("Authorization", token, secret=True)
        self._cache[self.scopes] = (token, float(expires_on))
        return {"authorization": f"Bearer {token}"}

    def __repr__(self) -> str:
        shown = getattr(self.credential, "wrapped", self.credential)
        return f"TokenAuth(credential={type(shown).__name__}, scopes={self.scopes!r})"


def credential_error(credential: object, exc: BaseException) -> AzureInferenceError:
    """The package's error for a token credential that failed (the caller chains ``exc``).

    ``CredentialUnavailableError`` (nothing to sign in with) becomes a
    ``ConfigurationError``; any other failure an ``AuthenticationError``.
    """
    name = type(credential).__name__
    text = (
        f"Getting an Entra ID token from {name} failed ({type(exc).__name__}: {exc}). "
        f"{name} tried the credentials its message lists. To use a key instead, pass "
        "credential='<endpoint key>' or set AZURE_INFERENCE_CREDENTIAL; to use Entra ID, "
        "sign in (e.g. az login) or pass a working token credential."
    )
    if type(exc).__name__ == "CredentialUnavailableError":
        return ConfigurationError(text)
    return AuthenticationError(text)


class CheckedCredential:
    """Wraps a token credential so its failures arrive as the package's errors.

    ``wrapped`` is the caller's (or the default) credential; every other
    attribute is read from it.
    """

    __slots__ = ("wrapped",)

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """``wrapped.get_token``; an exception becomes the package's error, chained."""
        if inspect.iscoroutinefunction(self.wrapped.get_token):
            return self._aget_token(*scopes, **kwargs)
        try:
            result = self.wrapped.get_token(*scopes, **kwargs)
        except Exception as exc:
            raise credential_error(self.wrapped, exc) from exc
        if inspect.isawaitable(result):
            return self._await(result)
        return result

    async def _aget_token(self, *scopes: str, **kwargs: Any) -> Any:
        return await self._await(self.wrapped.get_token(*scopes, **kwargs))

    async def _await(self, pending: Awaitable[Any]) -> Any:
        try:
            return await pending
        except Exception as exc:
            raise credential_error(self.wrapped, exc) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


def make_auth(
    credential: object, header: KeyHeader, scopes: tuple[str, ...]
) -> KeyAuth | TokenAuth:
    """Classify a credential.

    Raises:
        ConfigurationError: the object is neither a key nor a token credential.
    """
    if isinstance(credential, str):
        return KeyAuth(SecretStr(credential), header)
    if isinstance(credential, SecretStr):
        return KeyAuth(credential, header)
    if callable(getattr(credential, "get_token", None)):
        return TokenAuth(CheckedCredential(credential), scopes)
    if isinstance(getattr(credential, "key", None), str):
        return KeyAuth(credential, header)  # type: ignore[arg-type]
    raise ConfigurationError(
        f"credential of type {type(credential).__name__} is not supported; pass a key "
        "(str, pydantic SecretStr, or an object with .key such as AzureKeyCredential) "
        "or a token credential with get_token(*scopes) such as DefaultAzureCredential."
    )
