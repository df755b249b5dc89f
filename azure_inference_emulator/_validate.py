"""Check a chat request body the way the service and the model would.

Produces a :class:`ChatRequest` with the messages as the model sees them
(system turned into user text where the model has no system role) and the
parameters checked against the :class:`ModelProfile`. Every problem is a
:class:`ServiceError` in the service's shape: 400 for malformed input, 422
``parameter_not_supported`` for what the model lacks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from ._errors import ServiceError, bad_request, parameter_not_supported
from ._media import AudioInfo, ImageInfo, describe_audio, describe_image
from ._profiles import ModelProfile
from ._reasoning_rules import check_reasoning_parameters
from ._text import count_tokens

__all__ = ["ChatRequest", "Turn", "validate_chat"]

_ROLES = ("system", "developer", "user", "assistant", "tool")
_SCHEMA_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_IMAGE_TOKENS = 85


@dataclass
class Turn:
    """One message as the model sees it."""

    role: str
    text: str
    images: list[ImageInfo] = field(default_factory=list)
    audio: list[AudioInfo] = field(default_factory=list)
    tool_calls: list[Mapping[str, Any]] = field(default_factory=list)
    tool_call_id: str | None = None
    was_system: bool = False


@dataclass
class ChatRequest:
    """A checked chat request."""

    turns: list[Turn]
    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    seed: int | None
    stop: list[str]
    stream: bool
    response_format: Mapping[str, Any] | None
    tools: list[Mapping[str, Any]]
    tool_choice: Any
    parallel_tool_calls: bool
    n: int
    logprobs: bool
    top_logprobs: int
    include_usage: bool
    prompt_tokens: int


def _number(body: Mapping[str, Any], name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise bad_request(
            f"{name} must be a number from {low} to {high}; got {value!r}.", param=name
        )
    return float(value)


def _integer(body: Mapping[str, Any], name: str, low: int, high: int | None = None) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise bad_request(f"{name} must be an integer >= {low}; got {value!r}.", param=name)
    if high is not None and value > high:
        raise bad_request(f"{name} must be an integer <= {high}; got {value!r}.", param=name)
    return value


def _content_parts(
    content: Any, index: int, role: str, profile: ModelProfile
) -> tuple[str, list[ImageInfo], list[AudioInfo]]:
    if content is None:
        return "", [], []
    if isinstance(content, str):
        return content, [], []
    if not isinstance(content, list):
        raise bad_request(
            f"messages[{index}].content must be a string or a list of content parts.",
            param="messages",
        )
    texts: list[str] = []
    images: list[ImageInfo] = []
    audio: list[AudioInfo] = []
    for j, part in enumerate(content):
        where = f"messages[{index}].content[{j}]"
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif kind == "image_url" and role == "user":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, Mapping) else None
            if not isinstance(url, str):
                raise bad_request(f"{where}.image_url.url must be a string.", param="messages")
            if profile.vision == 0:
                raise parameter_not_supported(["messages", index, "content", j], "image_url")
            images.append(describe_image(url, where))
        elif kind == "input_audio" and role == "user":
            clip = part.get("input_audio")
            if not isinstance(clip, Mapping) or not isinstance(clip.get("data"), str):
                raise bad_request(
                    f"{where}.input_audio needs 'data' and 'format'.", param="messages"
                )
            if not profile.audio:
                raise parameter_not_supported(["messages", index, "content", j], "input_audio")
            audio.append(describe_audio(clip["data"], str(clip.get("format", "wav")), where))
        elif kind == "audio_url" and role == "user":
            # Recorded: Phi-4-multimodal accepts {"type": "audio_url", "audio_url": {"url": ...}}.
            clip = part.get("audio_url")
            url = clip.get("url") if isinstance(clip, Mapping) else None
            if not isinstance(url, str):
                raise bad_request(f"{where}.audio_url.url must be a string.", param="messages")
            if not profile.audio:
                raise parameter_not_supported(["messages", index, "content", j], "audio_url")
            suffix = url.rsplit("?", 1)[0].rsplit(".", 1)[-1].lower()
            audio.append(AudioInfo(suffix if 0 < len(suffix) <= 4 else "remote", 0, None, url))
        else:
            raise bad_request(
                f"{where} has an unsupported content part type {kind!r} for role {role!r}; "
                "use 'text', 'image_url', 'input_audio' or 'audio_url' (user messages only "
                "for media).",
                param="messages",
            )
    return "\n".join(texts), images, audio


def _turns(messages: Any, profile: ModelProfile) -> list[Turn]:
    if not isinstance(messages, list) or not messages:
        raise bad_request("messages must be a non-empty list.", param="messages")
    turns: list[Turn] = []
    for i, msg in enumerate(messages):
        role = msg.get("role") if isinstance(msg, Mapping) else None
        if role not in _ROLES:
            raise bad_request(
                f"messages[{i}].role must be one of {', '.join(_ROLES)}; got {role!r}.",
                param="messages",
            )
        msg = cast("Mapping[str, Any]", msg)
        text, images, audio = _content_parts(msg.get("content"), i, str(role), profile)
        turn = Turn(role=str(role), text=text, images=images, audio=audio)
        if role in ("system", "developer") and not profile.supports_system_role:
            turn.role, turn.was_system = "user", True
        if role == "assistant":
            calls = msg.get("tool_calls") or []
            if not isinstance(calls, list):
                raise bad_request(f"messages[{i}].tool_calls must be a list.", param="messages")
            turn.tool_calls = [c for c in calls if isinstance(c, Mapping)]
        if role == "tool":
            call_id = msg.get("tool_call_id")
            if not isinstance(call_id, str):
                raise bad_request(
                    f"messages[{i}] (role tool) needs the tool_call_id of the call it answers.",
                    param="messages",
                )
            turn.tool_call_id = call_id
            if profile.tool_result_must_be_json:
                try:
                    json.loads(text)
                except ValueError:
                    raise bad_request(
                        f"messages[{i}]: {profile.name} requires a tool message's content to be "
                        f"a valid JSON string; got {text[:80]!r}. Serialise the tool result "
                        "with json.dumps.",
                        param="messages",
                    ) from None
        if len(images) > profile.vision > 0:
            raise bad_request(
                f"{profile.name} supports only {_images_phrase(profile.vision)} for each turn in "
                f"the chat conversation; messages[{i}] has {len(images)}. Send one image per "
                "user message.",
                param="messages",
            )
        turns.append(turn)
    return turns


def _images_phrase(count: int) -> str:
    return "one image" if count == 1 else f"{count} images"


def _tools(body: Mapping[str, Any], profile: ModelProfile) -> tuple[list[Mapping[str, Any]], Any]:
    tools = body.get("tools")
    choice = body.get("tool_choice")
    if tools is None:
        if choice not in (None, "none"):
            raise bad_request("tool_choice needs tools.", param="tool_choice")
        return [], choice
    if not profile.supports_tools:
        raise parameter_not_supported(["tools"], tools)
    if not isinstance(tools, list):
        raise bad_request("tools must be a list of function tools.", param="tools")
    functions: list[Mapping[str, Any]] = []
    for i, tool in enumerate(tools):
        fn = tool.get("function") if isinstance(tool, Mapping) else None
        if (
            not isinstance(tool, Mapping)
            or tool.get("type") != "function"
            or not isinstance(fn, Mapping)
            or not isinstance(fn.get("name"), str)
        ):
            raise bad_request(
                f"tools[{i}] must be {{'type': 'function', 'function': {{'name': ...}}}}.",
                param="tools",
            )
        params = fn.get("parameters")
        if params is not None and not isinstance(params, Mapping):
            raise bad_request(f"tools[{i}].function.parameters must be an object.", param="tools")
        functions.append(fn)
    names = {f["name"] for f in functions}
    if isinstance(choice, Mapping):
        name = (choice.get("function") or {}).get("name")
        if choice.get("type") != "function" or name not in names:
            raise bad_request(
                f"tool_choice names function {name!r}, which is not among the tools offered.",
                param="tool_choice",
            )
    elif choice not in (None, "auto", "none", "required"):
        raise bad_request(
            "tool_choice must be 'auto', 'none', 'required' or "
            "{'type': 'function', 'function': {'name': ...}}.",
            param="tool_choice",
        )
    return functions, choice


def _response_format(body: Mapping[str, Any], profile: ModelProfile) -> Mapping[str, Any] | None:
    fmt = body.get("response_format")
    if not isinstance(fmt, Mapping):
        if fmt is not None:
            raise bad_request("response_format must be an object.", param="response_format")
        return None
    kind = fmt.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        if not profile.json_object:
            raise parameter_not_supported(["response_format"], "json_object")
        return fmt
    if kind == "json_schema":
        if not profile.json_schema:
            raise parameter_not_supported(["response_format"], "json_schema")
        spec = fmt.get("json_schema")
        if not isinstance(spec, Mapping) or not isinstance(spec.get("schema"), Mapping):
            raise bad_request(
                "response_format json_schema needs "
                "{'json_schema': {'name': ..., 'schema': {...}}}.",
                param="response_format",
            )
        if not isinstance(spec.get("name"), str) or not _SCHEMA_NAME.match(spec["name"]):
            raise bad_request(
                "response_format.json_schema.name must match [a-zA-Z0-9_-] and be at most "
                "64 characters.",
                param="response_format",
            )
        return fmt
    raise bad_request(
        "response_format.type must be 'text', 'json_object' or 'json_schema'.",
        param="response_format",
    )


def _prompt_tokens(turns: list[Turn], tools: list[Mapping[str, Any]]) -> int:
    total = 0
    for turn in turns:
        total += count_tokens(turn.text) + _IMAGE_TOKENS * len(turn.images) + 3
        for call in turn.tool_calls:
            total += count_tokens(json.dumps(call.get("function", {})))
    if tools:
        total += count_tokens(json.dumps(tools))
    return total


def validate_chat(body: Mapping[str, Any], profile: ModelProfile) -> ChatRequest:
    """Check ``body`` for ``profile``.

    Raises:
        ServiceError: 400 for malformed input, 422 for what the model does not support.
    """
    if profile.reasoning_parameters:
        check_reasoning_parameters(body)
    for name in sorted(profile.unsupported_parameters):
        if body.get(name) is not None:
            raise parameter_not_supported([name], body[name])
    turns = _turns(body.get("messages"), profile)
    tools, choice = _tools(body, profile)
    stop_raw = body.get("stop")
    stop = [stop_raw] if isinstance(stop_raw, str) else stop_raw or []
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop) or len(stop) > 4:
        raise bad_request("stop must be a string or a list of at most 4 strings.", param="stop")
    max_tokens = _integer(body, "max_tokens", 1)
    if max_tokens is None:
        max_tokens = _integer(body, "max_completion_tokens", 1)
    if max_tokens is not None and max_tokens > profile.max_output:
        raise parameter_not_supported(["max_tokens"], max_tokens)
    stream = body.get("stream", False)
    if stream is None:
        stream = False
    if not isinstance(stream, bool):
        raise bad_request("stream must be true or false.", param="stream")
    options = body.get("stream_options")
    if options is not None and not isinstance(options, Mapping):
        raise bad_request("stream_options must be an object.", param="stream_options")
    logprobs = bool(body.get("logprobs"))
    top = _integer(body, "top_logprobs", 0, 20)
    if top is not None and not logprobs:
        raise bad_request("top_logprobs needs logprobs set to true.", param="top_logprobs")
    parallel = body.get("parallel_tool_calls")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise bad_request(f"seed must be an integer; got {seed!r}.", param="seed")
    _number(body, "presence_penalty", -2, 2)
    _number(body, "frequency_penalty", -2, 2)
    prompt_tokens = _prompt_tokens(turns, tools)
    requested = prompt_tokens + (max_tokens or 0)
    if requested > profile.context_window:
        raise ServiceError(
            400,
            {
                "error": {
                    "code": "context_length_exceeded",
                    "message": (
                        f"This model's maximum context length is {profile.context_window} "
                        f"tokens. However, you requested {requested} tokens ({prompt_tokens} in "
                        f"the messages, {max_tokens or 0} in the completion). Please reduce the "
                        "length of the messages or completion."
                    ),
                    "param": "messages",
                    "status": 400,
                }
            },
        )
    return ChatRequest(
        turns=turns,
        temperature=_number(body, "temperature", 0, 2),
        top_p=_number(body, "top_p", 0, 1),
        max_tokens=max_tokens,
        seed=seed,
        stop=stop,
        stream=stream,
        response_format=_response_format(body, profile),
        tools=tools,
        tool_choice=choice,
        parallel_tool_calls=profile.supports_parallel_tool_calls and parallel is not False,
        n=_integer(body, "n", 1, 10) or 1,
        logprobs=logprobs,
        top_logprobs=top or 0,
        include_usage=bool(options and options.get("include_usage")),
        prompt_tokens=prompt_tokens,
    )
