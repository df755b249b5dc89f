"""Import httpx without loading its command-line client.

``import httpx`` tries ``from ._main import main``, and ``httpx._main`` imports
click, rich and pygments whenever they are installed (they usually are, through
other packages): about three quarters of httpx's import time, for a tool this
library never runs. So, when httpx has not been imported yet, a small stand-in
module answers that one import. Its ``main`` loads the real ``httpx._main`` on
first call, so ``httpx.main()`` still works; ``import httpx._main`` later loads
the real module as usual. If httpx is already imported, nothing changes.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__all__: list[str] = []


def _main(*args: Any, **kwargs: Any) -> Any:
    """httpx's command-line entry point, loaded when first called."""
    return importlib.import_module("httpx._main").main(*args, **kwargs)


if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
    _stand_in = types.ModuleType("httpx._main")
    _stand_in.main = _main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = _stand_in
    try:
        import httpx  # noqa: F401
    finally:
        if sys.modules.get("httpx._main") is _stand_in:
            del sys.modules["httpx._main"]
