"""split_think / ThinkSplitter: <think> reasoning at the front of content."""

from __future__ import annotations

import pytest

from azure_inference_core import ThinkSplitter, split_think

CONTENT = "<think>\nStep one. Step two.\n</think>\n\nThe answer."


def test_split_think() -> None:
    assert split_think(CONTENT) == ("Step one. Step two.", "The answer.")
    assert split_think("Plain answer.") == ("", "Plain answer.")
    assert split_think("A <think> in the middle") == ("", "A <think> in the middle")
    assert split_think("<think>never closed") == ("never closed", "")


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 64])
def test_streamed_pieces_join_to_the_whole_split(size: int) -> None:
    splitter = ThinkSplitter()
    reasoning, text = "", ""
    for start in range(0, len(CONTENT), size):
        r, t = splitter.feed(CONTENT[start : start + size])
        reasoning, text = reasoning + r, text + t
        assert "<" not in t
        assert "</" not in r
    r, t = splitter.finish()
    assert (reasoning + r, text + t) == split_think(CONTENT)


def test_plain_stream_passes_through_and_a_held_back_tag_is_released() -> None:
    splitter = ThinkSplitter()
    assert splitter.feed("Hel") == ("", "Hel")
    assert splitter.feed("<think>") == ("", "<think>")  # not at the front: text
    held = ThinkSplitter()
    assert held.feed("<thi") == ("", "")
    assert held.finish() == ("", "<thi")
