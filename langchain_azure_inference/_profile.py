"""``ChatAzureInference.profile``: the core table's row as langchain-core's ``ModelProfile``."""

from __future__ import annotations

from langchain_core.language_models import ModelProfile

from azure_inference_core import REASONING_EFFORTS, ModelCapabilities

__all__ = ["model_profile"]


def model_profile(capabilities: ModelCapabilities) -> ModelProfile | None:
    """The capability row as a LangChain profile; None for an unknown model (nothing claimed).

    ``structured_output`` means native structured outputs (``json_schema``), which
    is what ``create_agent(response_format=...)`` uses it for; models with JSON
    mode or tools only get LangChain's tool strategy.
    """
    if not capabilities.known:
        return None
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
