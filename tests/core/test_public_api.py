"""The public face of the core: pinned names, module size, no framework imports."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import azure_inference_core

PACKAGE = Path(azure_inference_core.__file__).parent

PUBLIC = {
    "InferenceClient", "AsyncInferenceClient",
    "ChatCompletion", "ChatChoice", "ResponseMessage", "ToolCall", "FunctionCall",
    "ChatCompletionChunk", "ChunkChoice", "Delta", "ToolCallDelta", "FunctionCallDelta",
    "CompletionUsage", "EmbeddingsResult", "EmbeddingItem", "EmbeddingsUsage",
    "ModelInfo", "ModelType",
    "SystemMessage", "DeveloperMessage", "UserMessage", "AssistantMessage", "ToolMessage",
    "TextContentItem", "ImageContentItem", "ImageUrl", "AudioContentItem", "InputAudio",
    "ImageEmbeddingInput",
    "StreamAccumulator", "SSEDecoder", "EndpointFlavour", "EndpointConfig", "resolve_endpoint",
    "AzureInferenceError", "ConfigurationError", "APIConnectionError", "APITimeoutError",
    "APIStatusError", "BadRequestError", "ContentFilterError", "AuthenticationError",
    "PermissionDeniedError", "NotFoundError", "UnsupportedParameterError", "RateLimitError",
    "ServerError", "StreamError",
    # beyond the architecture page
    "ChatCompletionStream", "AsyncChatCompletionStream", "RetryPolicy", "ServerSentEvent",
    "StreamTimeoutError", "SECRET_HEADERS", "ResponseTooLargeError", "StreamTooLargeError",
    "__version__",
    # the Responses API (issue 16)
    "Responses", "AsyncResponses", "ResponseStream", "AsyncResponseStream",
    "InputMessage", "InputTextPart", "InputImagePart", "InputFilePart", "InputAudioPart",
    "OutputTextPart", "FunctionCallItem", "FunctionCallOutputItem", "ReasoningItem",
    "SummaryText", "FunctionTool", "ReasoningConfig", "build_responses_body",
    "json_schema_format", "Response", "ResponseEvent", "ResponseOutputMessage",
    "ResponseFunctionCall", "ResponseReasoning", "ResponseUsage", "OutputContentPart",
    "ResponseAccumulator", "ResponseEventDecoder", "ResponseContentFilterError",
    # the rules both adapters share (issue 13)
    "ChoiceUpdate", "ChunkUpdate", "ToolCallUpdate",
    "UnsupportedContentError", "UnsupportedFeatureError", "TruncatedAnswerError",
    "RejectedParameterError", "REASONING_EFFORTS", "model_names",
    "split_think", "ThinkSplitter", "TokenCounter", "token_counter",
    "ModelCapabilities", "UNKNOWN_MODEL", "capabilities_for", "check_capabilities",
    "ChatParams", "EmbedParams", "CHAT_PARAMS", "EMBED_PARAMS", "check_names",
    "needs_pass_through", "stream_usage_options",
    "ParsedToolCall", "normalize_tool_choice", "parse_tool_arguments", "parse_tool_calls",
    "tool_call_to_wire", "tool_names", "tool_result_to_wire", "assistant_to_wire",
    "vectors_from", "is_secret_header", "public_headers", "redact_headers",
}  # fmt: skip


def test_public_names_are_pinned() -> None:
    assert set(azure_inference_core.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(azure_inference_core, name) is not None


def test_private_modules_declare_all() -> None:
    for path in PACKAGE.glob("_*.py"):
        if path.name == "__init__.py":
            continue
        module = importlib.import_module(f"azure_inference_core.{path.stem}")
        assert isinstance(module.__all__, list), path.name
        for name in module.__all__:
            assert hasattr(module, name), f"{path.name}: {name}"


def test_modules_are_small() -> None:
    # Every module of the four packages stays readable in one sitting: at most 450 lines.
    for package in (
        "azure_inference_core",
        "azure_inference_emulator",
        "langchain_azure_inference",
        "llamaindex_azure_inference",
    ):
        for path in (PACKAGE.parent / package).glob("*.py"):
            assert len(path.read_text().splitlines()) <= 450, f"{package}/{path.name}"


def test_no_framework_imports() -> None:
    # httpcore: httpx's own transport layer, used directly by our connection pool.
    # typing_extensions: a dependency of pydantic itself (TypedDict + Unpack on 3.10).
    # zstandard: optional, as in httpx (zstd is advertised only when it is installed).
    # tiktoken: optional, exact token counts when its encoding is on disk (_tokens.py).
    # opentelemetry: the optional `otel` extra (the API only), imported by _telemetry_otel
    # once the application imported it.
    allowed_roots = {
        "__future__", "httpx", "httpcore", "pydantic", "pydantic_core", "azure",
        "typing_extensions", "zstandard", "tiktoken", "opentelemetry",
    }  # fmt: skip
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = {node.module.split(".")[0]}
            else:
                continue
            stdlib = {r for r in roots if r in __import__("sys").stdlib_module_names}
            assert roots - stdlib <= allowed_roots, f"{path.name} imports {roots}"


def test_import_defers_the_connection_layer() -> None:
    # httpx loads httpcore only when a client is built; so do we (import cost).
    code = "import sys, azure_inference_core; print('httpcore' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
