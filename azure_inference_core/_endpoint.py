"""Endpoint URL -> flavour: routes, api-version, key header and Entra ID scope.

Users paste whatever URL the portal, a sample or an SDK shows them: a project
endpoint, a resource root, a deployment URL, a full target URI with its query.
Each maps onto one of the routes below, or is refused with an error that says
what to paste instead. docs/endpoints.md has the table and the sources of every
choice (Microsoft's docs and SDKs, the recorded live traffic).
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ._errors import ConfigurationError
from ._no_httpx_cli import httpx

__all__ = [
    "AZURE_OPENAI_API_VERSION",
    "DEFAULT_API_VERSION",
    "SERVERLESS_API_VERSION",
    "EndpointConfig",
    "EndpointFlavour",
    "KeyHeader",
    "api_version_hint",
    "is_loopback_host",
    "resolve_endpoint",
]

# Foundry ``/models`` and unknown servers: the newest stable version of the
# inference API's REST spec (the 2024 preview is being retired on Foundry).
DEFAULT_API_VERSION = "2025-05-01"
# Serverless and managed-compute hosts: the only version the recorded live
# traffic shows them accepting (every recorded request, chat and embeddings).
SERVERLESS_API_VERSION = "2024-05-01-preview"
# Azure OpenAI deployment routes: the GA version Microsoft's samples use.
AZURE_OPENAI_API_VERSION = "2024-10-21"

ML_SCOPE = "https://ml.azure.com/.default"
COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"
AI_SCOPE = "https://ai.azure.com/.default"

KeyHeader = Literal["authorization", "api-key", "both"]
_KEY_HEADERS = ("authorization", "api-key", "both")

# Operations this library calls; a pasted target URI loses them (the client adds its own).
_OPERATIONS = ("/images/embeddings", "/chat/completions", "/embeddings", "/info")
_PROJECT = re.compile(r"^(?P<pre>.*?)/api/projects(?:/(?P<name>[^/]+))?(?P<rest>/.*)?$")
_DEPLOYMENT = re.compile(r"^(?P<pre>.*?)/openai/deployments(?:/(?P<name>[^/]+))?(?P<rest>/.*)?$")
_OPENAI_V1 = re.compile(r"^(?P<pre>.*?)/openai/v1(?P<rest>/.*)?$")
_MODELS = re.compile(r"^(?P<pre>.*?)/models(?P<rest>/.*)?$")

_FORMS = (
    "https://<resource>.services.ai.azure.com/api/projects/<project>, "
    "https://<resource>.services.ai.azure.com/models, "
    "https://<resource>.openai.azure.com/openai/deployments/<deployment>, "
    "https://<resource>.openai.azure.com/openai/v1, "
    "https://<name>.<region>.models.ai.azure.com or "
    "https://<endpoint>.<region>.inference.ml.azure.com"
)


class EndpointFlavour(str, enum.Enum):
    """The kinds of endpoint the Azure AI Model Inference API is served from."""

    SERVERLESS = "serverless"
    MANAGED = "managed"
    FOUNDRY = "foundry"
    AZURE_OPENAI = "azure_openai"
    OPENAI_V1 = "openai_v1"
    GENERIC = "generic"


@dataclass(frozen=True)
class EndpointConfig:
    """Everything the client derives from the endpoint URL.

    Attributes:
        flavour: the detected (or generic) flavour.
        base_url: the endpoint without trailing slash or query; routes hang off it.
        api_version: the ``api-version`` query value, or None to send none.
        key_header: where a key goes: ``authorization`` (Bearer), ``api-key``, or ``both``.
        scopes: the Entra ID scopes for token credentials.
        requires_model: True where the body ``model`` picks the deployment.
        has_info_route: False where ``/info`` is known to 404.
        deployment: the deployment named in a ``/openai/deployments/<name>`` URL, else None.
        project: the Foundry project named in an ``/api/projects/<name>`` URL, else None.
    """

    flavour: EndpointFlavour
    base_url: str
    api_version: str | None
    key_header: KeyHeader
    scopes: tuple[str, ...]
    requires_model: bool
    has_info_route: bool
    deployment: str | None = None
    project: str | None = None

    def url(self, route: str) -> httpx.URL:
        """Full URL of ``route`` (e.g. ``/chat/completions``) with its api-version."""
        if self.api_version is None:
            return httpx.URL(self.base_url + route)
        return httpx.URL(self.base_url + route, params={"api-version": self.api_version})


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses, where plain http cannot leak a key."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class _Shape:
    flavour: EndpointFlavour
    path: str
    deployment: str | None = None
    project: str | None = None


def _refuse(what: str, instead: str) -> ConfigurationError:
    return ConfigurationError(f"{what} Paste {instead} instead.")


def _host_kind(host: str) -> str:
    if host in ("models.inference.ai.azure.com", "models.github.ai"):
        raise _refuse(
            f"{host} is GitHub Models, not an Azure endpoint: GitHub retired the Azure "
            "address on 2025-10-17 and its new API takes GitHub tokens, which this "
            "library does not send.",
            "the endpoint of a model you deployed in Azure AI Foundry, e.g. " + _FORMS,
        )
    if host in ("ai.azure.com", "ml.azure.com", "portal.azure.com", "management.azure.com") or (
        host.endswith(".api.azureml.ms")
    ):
        raise _refuse(
            f"{host} is a portal or management address, not an inference endpoint.",
            "the endpoint shown on the deployment's or project's overview page, e.g. " + _FORMS,
        )
    if host.endswith(".models.ai.azure.com") or host.endswith(".inference.ai.azure.com"):
        return "serverless"
    if host.endswith(".inference.ml.azure.com"):
        return "managed"
    if host.endswith(".services.ai.azure.com"):
        return "services"
    if host.endswith((".openai.azure.com", ".cognitiveservices.azure.com")):
        return "openai"
    if host.endswith(".api.cognitive.microsoft.com"):
        return "regional"  # shared by many resources: the path must name the deployment
    return "other"


def _strip_operation(rest: str | None, pasted: str) -> None:
    """Accept nothing, or one of our operations, after a known base path."""
    if rest in (None, "", *_OPERATIONS):
        return
    raise _refuse(
        f"The endpoint {pasted!r} ends in {rest!r}, an operation this library does not "
        "call (it calls /chat/completions, /embeddings, /images/embeddings and /info).",
        "the URL without that route",
    )


def _shape(kind: str, path: str, pasted: str) -> _Shape:
    azure = kind != "other"
    match = _PROJECT.match(path)
    if match is not None:
        name, rest, pre = match["name"], match["rest"], match["pre"]
        if kind not in ("services", "other") or (azure and pre) or not name:
            raise _refuse(
                f"{pasted!r} is not a Foundry project endpoint.",
                "https://<resource>.services.ai.azure.com/api/projects/<project> "
                "(from the project's overview page)",
            )
        if rest is not None and (rest == "/openai" or rest.startswith("/openai/v1")):
            _strip_operation(rest[len("/openai/v1") :], pasted)
            return _Shape(EndpointFlavour.OPENAI_V1, pre + "/openai/v1", project=name)
        if rest not in (None, *_OPERATIONS):
            raise _refuse(
                f"{pasted!r} is a project API route (agents, connections, ...), not a model route.",
                f"the project endpoint itself (.../api/projects/{name})",
            )
        return _Shape(EndpointFlavour.FOUNDRY, pre + "/models", project=name)
    match = _DEPLOYMENT.match(path)
    if match is not None:
        if not match["name"]:
            raise _refuse(
                f"{pasted!r} names no deployment.",
                "https://<resource>.openai.azure.com/openai/deployments/<deployment>, or "
                "https://<resource>.openai.azure.com/openai/v1 with model='<deployment>'",
            )
        if kind in ("serverless", "managed") or (azure and match["pre"]):
            raise _refuse(f"{pasted!r} mixes two endpoint shapes.", _FORMS)
        _strip_operation(match["rest"], pasted)
        return _Shape(
            EndpointFlavour.AZURE_OPENAI,
            f"{match['pre']}/openai/deployments/{match['name']}",
            deployment=match["name"],
        )
    match = _OPENAI_V1.match(path)
    if match is not None:
        if kind in ("serverless", "managed") or (azure and match["pre"]):
            raise _refuse(f"{pasted!r} mixes two endpoint shapes.", _FORMS)
        _strip_operation(match["rest"], pasted)
        return _Shape(EndpointFlavour.OPENAI_V1, match["pre"] + "/openai/v1")
    match = _MODELS.match(path)
    if match is not None:
        if kind in ("openai", "regional"):
            raise _refuse(
                f"{pasted!r}: the /models route is served on the Foundry host.",
                "https://<resource>.services.ai.azure.com/models, or "
                "https://<resource>.openai.azure.com/openai/v1",
            )
        if kind in ("serverless", "managed") or (azure and match["pre"]):
            raise _refuse(f"{pasted!r} mixes two endpoint shapes.", _FORMS)
        _strip_operation(match["rest"], pasted)
        return _Shape(EndpointFlavour.FOUNDRY, match["pre"] + "/models")
    base = path
    for operation in _OPERATIONS:
        if path.endswith(operation):
            base = path[: -len(operation)]
            break
    if kind == "services" and base == "":
        # A bare Foundry resource URL: the inference routes live under /models.
        return _Shape(EndpointFlavour.FOUNDRY, "/models")
    if kind == "openai" and base in ("", "/openai"):
        # A resource root: the v1 routes take the deployment from the body.
        return _Shape(EndpointFlavour.OPENAI_V1, "/openai/v1")
    if kind in ("serverless", "managed"):
        flavour = EndpointFlavour.SERVERLESS if kind == "serverless" else EndpointFlavour.MANAGED
        if base in ("", "/v1"):
            return _Shape(flavour, "")
        if base == "/score":
            raise _refuse(
                f"{pasted!r} is the endpoint's raw scoring route; catalog models answer the "
                "inference API at the endpoint root.",
                "the URL without /score",
            )
    if kind == "regional" and base in ("", "/openai"):
        raise _refuse(
            f"{pasted!r} is a regional endpoint shared by many resources.",
            f"{pasted.rstrip('/').removesuffix('/openai')}/openai/deployments/<deployment>, "
            "or your resource's own https://<resource>.openai.azure.com",
        )
    if azure:
        raise _refuse(f"{pasted!r} is not an inference route of this host.", _FORMS)
    return _Shape(EndpointFlavour.GENERIC, base)


def _query_version(url: httpx.URL, pasted: str) -> str | None:
    version: str | None = None
    for name, value in url.params.multi_items():
        if name.lower() == "api-version" and version not in (None, value):
            raise ConfigurationError(f"The endpoint {pasted!r} has two different api-versions.")
        if name.lower() != "api-version":
            raise _refuse(
                f"The endpoint {pasted!r} carries the query parameter {name!r}, which this "
                "library would not send.",
                "the URL without it (only ?api-version=... is taken from a pasted URL)",
            )
        if not value:
            raise _refuse(
                f"The endpoint {pasted!r} has an empty api-version.",
                "the URL without '?api-version=', or with a version such as 2024-10-21",
            )
        version = value
    return version


def resolve_endpoint(
    endpoint: str,
    *,
    api_version: str | None = None,
    key_header: KeyHeader | None = None,
    credential_scopes: Sequence[str] | None = None,
) -> EndpointConfig:
    """Work out routes, api-version, key header and scope from an endpoint URL.

    Args:
        endpoint: the URL as pasted: a base URL, a project endpoint, or a full
            target URI such as ``.../chat/completions?api-version=2024-10-21``
            (the route is dropped, the api-version kept).
        api_version: overrides the flavour's default (and the URL's) api-version.
        key_header: overrides where a key is sent.
        credential_scopes: overrides the Entra ID scopes.

    Returns:
        The resolved ``EndpointConfig``.

    Raises:
        ConfigurationError: the URL is not absolute http(s), is a shape that no
            inference route serves (the message says what to paste), or an
            override is invalid.
    """
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise ConfigurationError(
            "endpoint must be a non-empty URL string such as "
            "'https://<name>.<region>.models.ai.azure.com'."
        )
    pasted = endpoint.strip()
    try:
        url = httpx.URL(pasted)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"endpoint is not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        # Echo only what looks like an address: a key pasted by mistake stays out.
        looks_like_url = ("." in pasted or "/" in pasted) and not any(c.isspace() for c in pasted)
        got = repr(pasted) if looks_like_url else f"a value of {len(pasted)} characters"
        hint = " (that looks like a hub project connection string)" if ";" in pasted else ""
        raise ConfigurationError(
            f"endpoint must be an absolute http(s) URL, got {got}{hint}; paste e.g. {_FORMS}."
        )
    if url.userinfo:
        raise ConfigurationError(
            "endpoint must not carry a user name or password ('user:password@'); pass the "
            "key as credential= instead."
        )
    # Messages show the URL without its query, where a secret could have been pasted.
    pasted = f"{url.scheme}://{url.netloc.decode('ascii')}{url.path}"
    host = url.host.lower()
    shape = _shape(_host_kind(host), url.path.rstrip("/"), pasted)
    from_query = _query_version(url, pasted)
    if api_version is not None and (not isinstance(api_version, str) or not api_version):
        raise ConfigurationError("api_version must be a non-empty string like '2025-05-01'.")
    if api_version is not None and from_query is not None and api_version != from_query:
        raise ConfigurationError(
            f"api_version={api_version!r} and the endpoint's ?api-version={from_query} "
            "disagree; keep one of them."
        )
    base_url = str(url.copy_with(path=shape.path or "/", query=None, fragment=None)).rstrip("/")
    flavour = shape.flavour

    default_version: str | None = DEFAULT_API_VERSION
    default_header: KeyHeader = "api-key"
    scopes: tuple[str, ...] = (COGNITIVE_SCOPE,)
    if flavour is EndpointFlavour.SERVERLESS:
        # Docs say Bearer, the recorded live traffic shows api-key read: send both,
        # as the official SDKs did.
        default_version, default_header, scopes = SERVERLESS_API_VERSION, "both", (ML_SCOPE,)
    elif flavour is EndpointFlavour.MANAGED:
        default_version, default_header, scopes = (
            SERVERLESS_API_VERSION,
            "authorization",
            (ML_SCOPE,),
        )
    elif flavour is EndpointFlavour.AZURE_OPENAI:
        default_version = AZURE_OPENAI_API_VERSION
    elif flavour is EndpointFlavour.OPENAI_V1:
        default_version = None
        if host.endswith(".services.ai.azure.com") or shape.project is not None:
            scopes = (AI_SCOPE,)
    elif flavour is EndpointFlavour.FOUNDRY:
        if shape.project is not None:
            scopes = (AI_SCOPE,)
    else:
        # Unknown servers may read either header, as the official SDK assumes.
        default_header, scopes = "both", (ML_SCOPE,)

    if key_header is not None and key_header not in _KEY_HEADERS:
        raise ConfigurationError(
            f"key_header must be one of {', '.join(_KEY_HEADERS)}; got {key_header!r}."
        )
    if credential_scopes is not None:
        if isinstance(credential_scopes, str) or not all(
            isinstance(s, str) and s for s in credential_scopes
        ):
            raise ConfigurationError(
                "credential_scopes must be a list of scope strings, "
                "e.g. ['https://cognitiveservices.azure.com/.default']."
            )
        scopes = tuple(credential_scopes)
    if api_version is None:
        api_version = from_query if from_query is not None else default_version
    return EndpointConfig(
        flavour=flavour,
        base_url=base_url,
        api_version=api_version,
        key_header=key_header or default_header,
        scopes=scopes,
        requires_model=flavour in (EndpointFlavour.FOUNDRY, EndpointFlavour.OPENAI_V1),
        has_info_route=flavour
        in (EndpointFlavour.SERVERLESS, EndpointFlavour.MANAGED, EndpointFlavour.GENERIC),
        deployment=shape.deployment,
        project=shape.project,
    )


def api_version_hint(
    config: EndpointConfig, status: int, code: str | None, message: str
) -> str | None:
    """A sentence to add to a service error that rejects the api-version, or None.

    Inference routes answer 400 naming the api-version; Azure OpenAI deployment
    routes answer a bare 404 ``Resource not found`` for a version they do not serve.
    """
    sent = config.api_version
    if sent is None:
        return None
    text = f"{code or ''} {message}".lower()
    names_version = "api-version" in text or "apiversion" in text or "api version" in text
    aoai_404 = (
        config.flavour in (EndpointFlavour.AZURE_OPENAI, EndpointFlavour.FOUNDRY)
        and status == 404
        and "deploymentnotfound" not in text
        and "resource not found" in text
    )
    if not ((status == 400 and names_version) or aoai_404 or (status == 404 and names_version)):
        return None
    if config.flavour is EndpointFlavour.AZURE_OPENAI:
        others = (
            f"e.g. api_version='{AZURE_OPENAI_API_VERSION}' or a newer one from Microsoft's "
            "Azure OpenAI API version list; or paste https://<resource>.openai.azure.com/"
            "openai/v1, which needs none"
        )
    else:
        others = (
            f"'{SERVERLESS_API_VERSION}' (serverless and managed compute), "
            f"'2025-04-01' or '{DEFAULT_API_VERSION}' (Foundry /models)"
        )
    prefix = "If the URL is right, " if aoai_404 else ""
    return (
        f"{prefix}the service may not serve the api-version this client sent "
        f"({sent!r}); pass api_version=... to the client to choose another: {others}."
    )
