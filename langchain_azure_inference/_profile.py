"""``ChatAzureInference.profile``: the core table's row as langchain-core's ``ModelProfile``."""

from __future__ import annotations

from langchain_core.language_models import ModelProfile

from azure_inference_core import REASONING_EFFORTS, ModelCapabilities

__all__ = ["model_profile"]


#: An unknown model's window and budget: small enough for any chat model on Azure,
#: so token-fraction triggers fire early rather than overflow. ``profile=`` overrides.
UNKNOWN_INPUT_TOKENS, UNKNOWN_OUTPUT_TOKENS = 4096, 1024


def model_profile(capabilities: ModelCapabilities) -> ModelProfile:
    """The capability row as a LangChain profile.

    ``structured_output`` means native structured outputs (``json_schema``), which
    is what ``create_agent(response_format=...)`` uses it for; models with JSON
    mode or tools only get LangChain's tool strategy. An unknown model gets a
    conservative window and text in and out, and no claim about anything else.
    """
    if not capabilities.known:
        return ModelProfile(
            max_input_tokens=UNKNOWN_INPUT_TOKENS,
            max_output_tokens=UNKNOWN_OUTPUT_TOKENS,
            text_inputs=True,
            text_outputs=True,
        )
    images = capabilities.vision != 0
    profile = ModelProfile(
        text_inputs=True,
        text_outputs=True,
        image_inputs=images,
        image_url_inputs=images,
        audio_inputs=capabilities.audio,
        pdf_inputs=False,
        video_inputs=False,
        image_tool_message=False,
        pdf_tool_message=False,
        tool_calling=capabilities.tools,
        tool_choice=capabilities.tools,
        tool_call_streaming=capabilities.tools,
        structured_output=capabilities.json_schema,
        reasoning_output=capabilities.reasoning,
        temperature="temperature" not in capabilities.rejected,
    )
    if capabilities.reasoning_effort:
        profile["reasoning_effort_levels"] = list(REASONING_EFFORTS)
    if capabilities.context_window is not None:
        profile["max_input_tokens"] = capabilities.context_window
    if capabilities.max_output is not None:
        profile["max_output_tokens"] = capabilities.max_output
    return profile
