"""httpx, imported when first used, and without its command-line client.

Importing the package does not import httpx: about 20 ms that neither LangChain
nor LlamaIndex pays, so it would all be ours. The core's modules name httpx
through ``httpx`` below, a stand-in that imports the real module the first time
one of its attributes is read (when the first client is built, an answer is
read or an httpx type is checked), then keeps each attribute it handed out, so
later reads are plain attribute reads. Type checkers see the real module.

``import httpx`` tries ``from ._main import main``, and ``httpx._main`` imports
click, rich and pygments whenever they are installed (they usually are, through
other packages): about three quarters of httpx's import time, for a tool this
library never runs. So, when httpx has not been imported yet, ``import_httpx``
lets a small stand-in module answer that one import. Its ``main`` loads the real
``httpx._main`` on first call, so ``httpx.main()`` still works; ``import
httpx._main`` later loads the real module as usual. If httpx is already
imported, nothing changes.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import TYPE_CHECKING, Any

__all__ = ["httpx", "import_httpx"]

_LOCK = threading.Lock()


def _main(*args: Any, **kwargs: Any) -> Any:
    """httpx's command-line entry point, loaded when first called."""
    return importlib.import_module("httpx._main").main(*args, **kwargs)


def import_httpx() -> types.ModuleType:
    """The httpx module, imported now if it is not yet, without its CLI."""
    with _LOCK:
        if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
            stand_in = types.ModuleType("httpx._main")
            stand_in.main = _main  # type: ignore[attr-defined]
            sys.modules["httpx._main"] = stand_in
            try:
                importlib.import_module("httpx")
            finally:
                if sys.modules.get("httpx._main") is stand_in:
                    del sys.modules["httpx._main"]
    return importlib.import_module("httpx")


class _Httpx:
    """Reads of ``httpx.<name>`` that import httpx on the first one."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # probes such as __wrapped__ do not import httpx
            raise AttributeError(name)
        value = getattr(import_httpx(), name)
        self.__dict__[name] = value  # the next read finds it without this method
        return value

    def __repr__(self) -> str:
        return "<httpx, imported on first use>"


if TYPE_CHECKING:
    import httpx as httpx
else:
    httpx = _Httpx()
