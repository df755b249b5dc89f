"""Regenerate the golden fixtures from the seed documents' REST sections.

Run: ``.venv/bin/python -m tests.core.golden.extract SEEDS_DIR`` (or set
``AZURE_INFERENCE_SEEDS`` to the folder of Azure's how-to pages the fixtures
were taken from; see ``docs/wire.md``). Each JSON
block inside a ``::: zone pivot="programming-language-rest"`` section is
classified as a request (has ``messages``), a response (chat completion,
chunk, error, model info) or a tool definition, and written to
``requests/`` or ``responses/`` as ``<seed>_<n>.json``.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
#: Where the seed documents are, when a contributor has them (never required by the tests).
SEEDS_ENV = "AZURE_INFERENCE_SEEDS"


def seeds_dir() -> Path | None:
    """The seed folder named by ``$AZURE_INFERENCE_SEEDS``, or None."""
    value = os.environ.get(SEEDS_ENV)
    return Path(value) if value else None


_ZONE = re.compile(r'::: zone pivot="programming-language-rest"(.*?)::: zone-end', re.S)
_BLOCK = re.compile(r"```(?:json|rest|console)\n(.*?)```", re.S)


def blocks(seeds: Path) -> dict[str, dict[str, Any]]:
    """name -> {"kind": "request"|"response"|"tool", "body": ...} for every REST JSON block."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        seed = path.name.split("_")[0]
        number = 0
        for zone in _ZONE.findall(text):
            for raw in _BLOCK.findall(zone):
                try:
                    body = json.loads(raw)
                except ValueError:
                    continue
                number += 1
                if "messages" in body:
                    kind = "request"
                elif body.get("type") == "function":
                    kind = "tool"
                else:
                    kind = "response"
                found[f"{seed}_{number:02d}"] = {"kind": kind, "body": body}
    return found


def main() -> None:
    seeds = Path(sys.argv[1]) if len(sys.argv) > 1 else seeds_dir()
    if seeds is None:
        raise SystemExit(
            f"usage: python -m tests.core.golden.extract SEEDS_DIR (or set {SEEDS_ENV})"
        )
    for kind in ("requests", "responses", "tools"):
        (HERE / kind).mkdir(exist_ok=True)
    for name, item in blocks(seeds).items():
        target = HERE / f"{item['kind']}s" / f"{name}.json"
        target.write_text(
            json.dumps(item["body"], indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main()
