"""URL shapes, api-versions, authentication and deployments (pure checks).

The five endpoint flavours of docs/wire.md section 1 map onto four path
shapes: bare routes (serverless API and managed compute), ``/models``
(Foundry, deployment chosen by body ``model``), ``/openai/deployments/<name>``
(Azure OpenAI, deployment in the path) and ``/openai/v1`` (body ``model``).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ._errors import ServiceError, bad_request, error_body, not_found
from ._profiles import PROFILES, ModelProfile, get_profile

__all__ = [
    "INFERENCE_API_VERSIONS",
    "Deployments",
    "Route",
    "check_api_version",
    "check_auth",
    "resolve_route",
]

Flavour = Literal["serverless", "foundry", "aoai", "v1"]
Kind = Literal["info", "chat", "embeddings", "images", "responses", "stored"]

INFERENCE_API_VERSIONS = frozenset(
    {"2024-05-01-preview", "2024-08-01-preview", "2025-04-01", "2025-05-01"}
)
REASONING_FIELD_VERSIONS = frozenset({"2025-04-01", "2025-05-01"})
_AOAI_VERSION = re.compile(r"^20(2[2-9])-(0[1-9]|1[0-2])-([0-2][0-9]|3[01])(-preview)?$")
_KINDS: dict[str, Kind] = {
    "/info": "info",
    "/chat/completions": "chat",
    "/embeddings": "embeddings",
    "/images/embeddings": "images",
}
_RESOURCE_NOT_FOUND = error_body("404", "Resource not found")
_PROJECT_RESPONSES = re.compile(r"^/api/projects/[^/]+/openai/responses$")


@dataclass(frozen=True)
class Route:
    """Where a request went."""

    flavour: Flavour
    kind: Kind
    deployment: str | None = None
    item: str | None = None  # a stored response's id (kind ``stored``)


def resolve_route(path: str) -> Route:
    """Map a URL path onto a flavour and an operation.

    Raises:
        ServiceError: 404 for a path the service does not have.
    """
    path = path.rstrip("/") or "/"
    if path.startswith("/openai/deployments/"):
        name, _, rest = path[len("/openai/deployments/") :].partition("/")
        kind = _KINDS.get("/" + rest)
        if name and kind in ("chat", "embeddings"):
            return Route("aoai", kind, name)
    elif path == "/openai/responses" or _PROJECT_RESPONSES.match(path):
        # Azure OpenAI, or a Foundry project (recorded): body ``model``, ?api-version=
        return Route("aoai", "responses")
    elif path == "/openai/v1/responses":
        return Route("v1", "responses")
    elif path.startswith(("/openai/v1/responses/", "/openai/responses/")):
        item = path.rsplit("/", 1)[1]
        flavour: Flavour = "v1" if path.startswith("/openai/v1/") else "aoai"
        if path.count("/") == 4 - (flavour == "aoai"):
            return Route(flavour, "stored", item=item)
    elif path.startswith("/openai/v1/"):
        kind = _KINDS.get(path[len("/openai/v1") :])
        if kind in ("chat", "embeddings"):
            return Route("v1", kind)
    elif path.startswith("/models/"):
        kind = _KINDS.get(path[len("/models") :])
        if kind is not None:
            return Route("foundry", kind)
    elif path in _KINDS:
        return Route("serverless", _KINDS[path])
    raise ServiceError(404, _RESOURCE_NOT_FOUND)


def check_api_version(route: Route, version: str | None) -> None:
    """Reject a missing or unknown api-version where the flavour needs one.

    Raises:
        ServiceError: 400 (inference routes) or 404 (Azure OpenAI) like the service.
    """
    if route.flavour in ("serverless", "foundry"):
        if version is None:
            raise bad_request(
                "Missing required query parameter: api-version. Add "
                "?api-version=2024-05-01-preview (supported: "
                f"{', '.join(sorted(INFERENCE_API_VERSIONS))}).",
                param="api-version",
            )
        if version not in INFERENCE_API_VERSIONS:
            raise bad_request(
                f"Unsupported api-version {version!r}. Supported versions: "
                f"{', '.join(sorted(INFERENCE_API_VERSIONS))}.",
                code="UnsupportedApiVersion",
                param="api-version",
            )
    elif route.flavour == "aoai":
        if version is None or not _AOAI_VERSION.match(version):
            raise ServiceError(404, _RESOURCE_NOT_FOUND)
    elif version not in (None, "preview", "latest", "v1"):
        raise bad_request(
            f"api-version {version!r} is not used on /openai/v1; leave it out or use 'preview'.",
            param="api-version",
        )


def check_auth(headers: Mapping[str, str], key: str | None, tokens: tuple[str, ...]) -> None:
    """Accept the key in ``api-key`` or ``Authorization: Bearer``, or a known token.

    Raises:
        ServiceError: 401 for a missing or wrong credential (never echoed).
    """
    if key is None and not tokens:
        return
    api_key = headers.get("api-key")
    auth = headers.get("authorization", "")
    bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else None
    accepted = list(tokens) + ([key] if key is not None else [])
    for given in (api_key, bearer):
        if given is not None and any(
            hmac.compare_digest(given.encode(), a.encode()) for a in accepted
        ):
            return
    if api_key is None and bearer is None:
        message = (
            "Missing credentials. Send the key in the 'api-key' header or as "
            "'Authorization: Bearer <key>', or a Microsoft Entra ID bearer token."
        )
    else:
        message = (
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure "
            "to provide a valid key for an active subscription and use a correct regional API "
            "endpoint for your resource."
        )
    raise ServiceError(401, error_body("401", message), {"x-ms-error-code": "Unauthorized"})


class Deployments:
    """Deployment names -> profiles, looked up case-insensitively."""

    def __init__(
        self, default: ModelProfile, extra: Mapping[str, ModelProfile], builtin: bool = True
    ) -> None:
        self.default = default
        self.extra = dict(extra)
        self.builtin = builtin
        self._by_name: dict[str, tuple[str, ModelProfile]] = {}
        for profile in PROFILES.values() if builtin else ():
            for alias in profile.aliases:
                self._add(alias, profile)
            self._add(profile.name, profile)
        self._add(default.name, default)
        for name, profile in extra.items():
            self._add(name, profile)

    def _add(self, name: str, profile: ModelProfile) -> None:
        self._by_name[name.lower()] = (name, profile)

    def names(self) -> list[str]:
        """Every deployment name."""
        return sorted(name for name, _ in self._by_name.values())

    def find(self, name: str) -> tuple[str, ModelProfile] | None:
        """(name as configured, profile), or None."""
        return self._by_name.get(name.lower())


def pick_profile(
    route: Route, deployments: Deployments, body_model: object, headers: Mapping[str, str]
) -> tuple[ModelProfile, str]:
    """The profile a request reaches, and the ``model`` name to answer with.

    Raises:
        ServiceError: ``no_model_name`` (400) or an unknown deployment (404).
    """
    if route.flavour == "serverless":
        managed = headers.get("azureml-model-deployment")
        if managed is None:
            return deployments.default, deployments.default.name
        found = deployments.find(managed)
        if found is None:
            raise not_found(
                f"No deployment named {managed!r} behind this endpoint "
                "(header azureml-model-deployment).",
                code="DeploymentNotFound",
            )
        return found[1], found[1].name
    if route.flavour == "aoai" and route.kind != "responses":
        name: object = route.deployment
    else:
        name = body_model if body_model is not None else headers.get("x-ms-model-mesh-model-name")
    if (route.flavour in ("foundry", "v1") or route.kind == "responses") and name is None:
        raise bad_request(
            "No model specified in request. Please provide a model name in the request body "
            "or as a x-ms-model-mesh-model-name header.",
            code="no_model_name",
        )
    if not isinstance(name, str):
        raise bad_request("model must be a string (the deployment name).", param="model")
    found = deployments.find(name)
    if found is None:
        if route.flavour == "aoai":
            raise not_found(
                "The API deployment for this resource does not exist. If you created the "
                "deployment within the last 5 minutes, please wait a moment and try again.",
                code="DeploymentNotFound",
            )
        # Recorded on Foundry: a 400 whose error carries ``details: null``.
        raise ServiceError(
            400,
            {
                "error": {
                    "code": "unknown_model",
                    "message": f"Unknown model: {name}. Deploy it, or use one of the "
                    "deployment names of this resource.",
                    "details": None,
                }
            },
        )
    configured, profile = found
    answer_name = configured if configured in profile.aliases else profile.name
    return profile, answer_name


def profile_from_name(name: str) -> ModelProfile:
    """A built-in profile by name (re-exported for config loading)."""
    return get_profile(name)
