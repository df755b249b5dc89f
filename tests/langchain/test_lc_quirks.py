"""Model quirks recognised by name and checked before sending."""

from __future__ import annotations

import pytest

from langchain_azure_inference._quirks import (
    UnsupportedFeatureError,
    check_request,
    quirks_for,
)

IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("Phi-3-mini-4k-Instruct", "Phi-3"),
        ("phi-3.5-mini-instruct", "Phi-3"),
        ("https://Phi-3-medium-128k-instruct-abc.eastus2.models.ai.azure.com", "Phi-3"),
        ("Phi-3-vision-128k-Instruct", "Phi-3-vision"),
        ("PHI-3.5-VISION-INSTRUCT", "Phi-3-vision"),
        ("Cohere-command-r-plus", "Cohere command"),
        ("command-r-08-2024", "Cohere command"),
        ("https://x.openai.azure.com/openai/deployments/cohere-command-a", "Cohere command"),
        ("Mistral-Large", ""),
        ("Phi-4", ""),
        ("gpt-4o-mini", ""),
    ],
)
def test_family_by_name(name: str, family: str) -> None:
    quirks, matched = quirks_for(name)
    assert quirks.family == family
    assert matched == (name if family else "")


def test_first_matching_name_wins() -> None:
    quirks, matched = quirks_for(None, "Cohere-command-r", "https://phi-3-mini.example")
    assert quirks.family == "Cohere command"
    assert matched == "Cohere-command-r"


def test_phi3_tools_refused_naming_model_and_fix() -> None:
    quirks, name = quirks_for("Phi-3-mini-4k-Instruct")
    with pytest.raises(UnsupportedFeatureError, match=r"Phi-3-mini-4k-Instruct.*tool calling"):
        check_request(quirks, name, [], tools=[{"type": "function"}])


@pytest.mark.parametrize("kind", ["json_object", "json_schema"])
def test_phi3_json_mode_refused(kind: str) -> None:
    quirks, name = quirks_for("Phi-3-small-8k-Instruct")
    with pytest.raises(UnsupportedFeatureError, match=r"no JSON mode.*JsonOutputParser"):
        check_request(quirks, name, [], response_format={"type": kind})


def test_phi3_text_response_format_allowed() -> None:
    quirks, name = quirks_for("Phi-3-small-8k-Instruct")
    check_request(quirks, name, [], response_format={"type": "text"})


def test_phi3_vision_one_image_per_turn() -> None:
    quirks, name = quirks_for("Phi-3-vision-128k-Instruct")
    one = [{"role": "user", "content": [IMAGE]}, {"role": "user", "content": [IMAGE]}]
    check_request(quirks, name, one)
    two = [{"role": "user", "content": [{"type": "text", "text": "hi"}, IMAGE, IMAGE]}]
    with pytest.raises(UnsupportedFeatureError, match=r"at most 1 image per turn; message 0 has 2"):
        check_request(quirks, name, two)


def test_other_models_unrestricted() -> None:
    quirks, name = quirks_for("Mistral-Large")
    check_request(
        quirks,
        name,
        [{"role": "user", "content": [IMAGE, IMAGE]}],
        tools=[{"type": "function"}],
        response_format={"type": "json_object"},
    )


def test_cohere_needs_json_tool_results() -> None:
    assert quirks_for("Cohere-command-r-plus")[0].json_tool_results
    assert not quirks_for("Mistral-Large")[0].json_tool_results


def test_profiles_for_known_families() -> None:
    from langchain_azure_inference import ChatAzureInference

    def profile(model: str) -> object:
        return ChatAzureInference(endpoint="https://x.models.ai.azure.com", model=model).profile

    assert profile("Phi-3-mini-4k-Instruct") == {
        "tool_calling": False,
        "structured_output": False,
        "image_inputs": False,
    }
    assert profile("Phi-3-vision-128k-Instruct") == {
        "tool_calling": False,
        "structured_output": False,
        "image_inputs": True,
    }
    assert profile("Cohere-command-r") is None
    assert profile("Mistral-Large") is None
