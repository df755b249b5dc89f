"""Error answers in the shapes the real service sends (docs/wire.md section 6).

Request handling raises :class:`ServiceError`; the app turns it into a
response with the right status, body and headers. Builders below give each
documented shape one home.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ServiceError",
    "bad_request",
    "content_filter_error",
    "error_body",
    "extra_parameters_error",
    "not_found",
    "openai_invalid",
    "parameter_not_supported",
]

CONTENT_FILTER_MESSAGE = (
    "The response was filtered due to the prompt triggering Microsoft's content "
    "management policy. Please modify your prompt and retry. To learn more about our "
    "content filtering policies please read our documentation: "
    "https://go.microsoft.com/fwlink/?linkid=2198766"
)


@dataclass
class ServiceError(Exception):
    """An error answer: status, JSON body and extra headers."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status}: {self.body}"


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The common ``{"error": {"code", "message"}}`` body."""
    inner: dict[str, Any] = {"code": code, "message": message}
    inner.update(extra)
    return {"error": inner}


def bad_request(message: str, code: str = "BadRequest", param: str | None = None) -> ServiceError:
    """A 400 with the common error body."""
    extra: dict[str, Any] = {"status": 400}
    if param is not None:
        extra["param"] = param
    return ServiceError(400, error_body(code, message, **extra))


def not_found(message: str, code: str = "NotFound") -> ServiceError:
    """A 404 with the common error body."""
    return ServiceError(404, error_body(code, message, status=404))


def parameter_not_supported(loc: list[Any], value: Any) -> ServiceError:
    """The 422 body the service sends for a parameter or value a model lacks."""
    return ServiceError(
        422,
        {
            "status": 422,
            "code": "parameter_not_supported",
            "detail": [{"loc": ["body", *loc], "input": value}],
            "message": "One of the parameters contain invalid values.",
        },
    )


def openai_invalid(message: str, param: str | None) -> ServiceError:
    """Azure OpenAI's 400 (recorded): ``{"error": {message, type, param, code: null}}``."""
    return ServiceError(
        400,
        {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": param,
                "code": None,
            }
        },
    )


def as_openai_error(error: ServiceError) -> ServiceError:
    """A 422 ``parameter_not_supported`` as Azure OpenAI words it: a 400 naming the param."""
    body = error.body if isinstance(error.body, Mapping) else {}
    if error.status != 422 or body.get("code") != "parameter_not_supported":
        return error
    detail = (body.get("detail") or [{}])[0]
    loc = [str(part) for part in detail.get("loc", []) if part != "body"]
    param = ".".join(loc) or None
    value = detail.get("input")
    return openai_invalid(
        f"Invalid value for '{param}': {value!r} is not supported with this model.", param
    )


def extra_parameters_error(names: list[str]) -> ServiceError:
    """The 400 for body fields outside the API under ``extra-parameters: error``."""
    return ServiceError(
        400,
        {
            "detail": (
                f"Extra parameters {names!r} are not allowed when extra-parameters is not "
                "set or set to be 'error'. Set extra-parameters to 'pass-through' to pass "
                "to the model."
            )
        },
    )


def filter_results(flagged: str | None) -> dict[str, Any]:
    """Azure content-filter results, with ``flagged`` category filtered."""
    out: dict[str, Any] = {}
    for category in ("hate", "self_harm", "sexual", "violence"):
        hit = category == flagged
        out[category] = {"filtered": hit, "severity": "medium" if hit else "safe"}
    return out


def content_filter_error(flat: bool) -> ServiceError:
    """The 400 for a prompt the content filter blocked, nested or older flat form."""
    if flat:
        body: dict[str, Any] = {
            "status": 400,
            "code": "content_filter",
            "message": "The response was filtered",
            "param": "messages",
            "type": None,
        }
    else:
        body = {
            "error": {
                "message": CONTENT_FILTER_MESSAGE,
                "type": None,
                "param": "prompt",
                "code": "content_filter",
                "status": 400,
                "innererror": {
                    "code": "ResponsibleAIPolicyViolation",
                    "content_filter_result": filter_results("violence"),
                },
            }
        }
    return ServiceError(400, body, {"x-ms-error-code": "content_filter"})
