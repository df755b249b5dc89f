"""Images and audio: decoded from data URLs, counted per turn, never fetched."""

from __future__ import annotations

import base64
import io
import struct
import wave

import httpx
import pytest

from azure_inference_emulator import Emulator

from .conftest import KEY, client_for, image_data_url


def user_parts(*parts: dict) -> dict:
    return {
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "What is in this picture?"}, *parts],
            }
        ]
    }


def image(url: str) -> dict:
    return {"type": "image_url", "image_url": {"url": url, "detail": "auto"}}


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_formats_and_sizes_are_read_from_the_header(gc: httpx.Client, fmt: str) -> None:
    response = gc.post("/chat/completions", json=user_parts(image(image_data_url(fmt, 37, 21))))
    content = response.json()["choices"][0]["message"]["content"]
    assert f"I see 1 image: {fmt} 37x21 pixels." in content
    assert '"What is in this picture?"' in content


def test_remote_urls_are_not_fetched(gc: httpx.Client) -> None:
    url = "https://203.0.113.7/chart.jpg"
    response = gc.post(
        "/chat/completions", json=user_parts(image(url), image(image_data_url("PNG", 2, 3)))
    )
    content = response.json()["choices"][0]["message"]["content"]
    assert f"I see 2 images: a remote image at {url} (not fetched); PNG 2x3 pixels." in content


def test_bad_image_data_is_a_clear_400(gc: httpx.Client) -> None:
    for url in ("data:image/png;base64,!!!", "data:image/png;base64,aGVsbG8=", "ftp://x"):
        response = gc.post("/chat/completions", json=user_parts(image(url)))
        assert response.status_code == 400, url
        assert "messages[0].content[1]" in response.json()["error"]["message"]


def test_phi3_vision_takes_one_image_per_turn() -> None:
    with Emulator("Phi-3-vision-128k-Instruct", key=KEY) as emu, client_for(emu) as client:
        one = client.post("/chat/completions", json=user_parts(image(image_data_url("JPEG", 5, 5))))
        assert "JPEG 5x5 pixels" in one.json()["choices"][0]["message"]["content"]
        two = client.post(
            "/chat/completions",
            json=user_parts(image(image_data_url("PNG", 1, 1)), image(image_data_url("PNG", 1, 1))),
        )
        assert two.status_code == 400
        assert "supports only one image for each turn" in two.json()["error"]["message"]
        earlier = {
            "messages": [
                *user_parts(image(image_data_url("PNG", 1, 1)))["messages"],
                {"role": "assistant", "content": "ok"},
                *user_parts(image(image_data_url("PNG", 2, 2)))["messages"],
            ]
        }
        assert client.post("/chat/completions", json=earlier).status_code == 200


def test_text_only_models_reject_images_with_422(pc: httpx.Client) -> None:
    response = pc.post("/chat/completions", json=user_parts(image(image_data_url("PNG", 1, 1))))
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "messages", 0, "content", 1], "input": "image_url"}
    ]


def _wav(seconds: float) -> str:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(struct.pack("<h", 0) * int(8000 * seconds))
    return base64.b64encode(buffer.getvalue()).decode()


def test_audio_input_on_a_multimodal_profile(pc: httpx.Client) -> None:
    part = {"type": "input_audio", "input_audio": {"data": _wav(1.5), "format": "wav"}}
    with Emulator("Phi-4-multimodal-instruct") as emu, client_for(emu, key=None) as client:
        content = client.post("/chat/completions", json=user_parts(part)).json()
        assert (
            "I hear 1 audio clip: wav audio, 1.50 s." in content["choices"][0]["message"]["content"]
        )
    assert pc.post("/chat/completions", json=user_parts(part)).status_code == 422
