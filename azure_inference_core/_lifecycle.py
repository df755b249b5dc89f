"""The one client lifecycle shared by every adapter class.

Adapter classes (LangChain's chat model and embeddings, LlamaIndex's LLM and
embedding model) are pydantic models that users build, copy, pickle and
mutate freely. This module gives them, without importing any framework:

* ``CORE_CLIENT_OPTIONS`` (from ``_options``): the declared list of core client
  options, so every adapter exposes the same names and adding an option is one line;
* ``check_names``: unknown argument names raise, listing the valid ones;
* ``ClientLifecycle``: lazy sync and async core clients, rebuilt when a
  connection setting changes, never closed under a live call or stream (a
  ``Lease`` keeps its client alive), and safe to shallow-copy (each owner has
  its own clients), deep-copy and pickle (a copy starts with no client).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncGenerator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import SecretStr
from typing_extensions import Self

from ._no_httpx_cli import httpx
from ._options import (
    CONNECTION_FIELDS,
    CORE_CLIENT_OPTIONS,
    OPTION_NAMES,
    ClientOption,
    CoreClientOptions,
    core_client_kwargs,
)
from ._params import check_names

if TYPE_CHECKING:  # the clients load with the first one built (import cost)
    from ._async_client import AsyncInferenceClient
    from ._client import InferenceClient

__all__ = [
    "CONNECTION_FIELDS",
    "CORE_CLIENT_OPTIONS",
    "ClientLifecycle",
    "ClientOption",
    "CoreClientOptions",
    "OPTION_NAMES",
    "Lease",
    "check_names",
    "core_client_kwargs",
]


#: Values compared as they are (immutable): most settings, so the per-call key is cheap.
_PLAIN = frozenset({str, int, float, bool, type(None), SecretStr})


def _key(settings: Mapping[str, Any], http_client: object) -> tuple[Any, ...]:
    """What a client was built from, compared on every call to reuse it."""
    values = tuple(settings.values())
    if not _PLAIN.issuperset(map(type, values)):  # the common case skips the loop below
        values = tuple(v if type(v) in _PLAIN else _freeze(v) for v in values)
    return (tuple(settings), values, id(http_client))


def _freeze(value: Any) -> Any:
    """A comparable snapshot: containers copied (in-place edits count as changes)."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_freeze(v) for v in value)
    return value


C = TypeVar("C", "InferenceClient", "AsyncInferenceClient")
_Lock = Any  # a threading.RLock (its type is private to the threading module)


class _Entry(Generic[C]):
    """One core client, the settings it was built from and who is using it."""

    __slots__ = ("client", "closer", "key", "leases", "loop", "retired")

    def __init__(self, client: C, key: Any, loop: asyncio.AbstractEventLoop | None) -> None:
        self.client: C = client
        self.key = key
        self.loop = loop
        self.leases = 0
        self.retired = False
        self.closer: AsyncGenerator[None, None] | None = None


async def _close_with_loop(client: AsyncInferenceClient) -> AsyncGenerator[None, None]:
    """Waits until asyncio closes it (loop shutdown, GC or aclose), then closes ``client``."""
    try:
        yield
    finally:
        await client.aclose()


_TASKS: set[Any] = set()  # scheduled closes, kept alive until done


def _close_now(entry: _Entry[Any]) -> None:
    """Close an unused entry from any thread (async ones on their own loop)."""
    from ._client import InferenceClient  # the clients load with the first one built

    if isinstance(entry.client, InferenceClient):
        entry.client.close()
        return
    loop, closer = entry.loop, entry.closer
    if loop is None or loop.is_closed():
        return  # its connections died with the loop
    coro = closer.aclose() if closer is not None else entry.client.aclose()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        task = loop.create_task(coro)
        _TASKS.add(task)
        task.add_done_callback(_TASKS.discard)
    else:
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        _TASKS.add(future)
        future.add_done_callback(_TASKS.discard)


def _retire(lock: _Lock, entry: _Entry[Any] | None) -> None:
    """Mark ``entry`` unused from now on; close it once its last lease ends."""
    if entry is None:
        return
    with lock:
        entry.retired = True
        idle = entry.leases == 0
    if idle:
        _close_now(entry)


def _unlease(lock: _Lock, entry: _Entry[Any]) -> bool:
    """Drop one lease; True when the entry is retired and now unused (to close)."""
    with lock:
        entry.leases -= 1
        return entry.retired and entry.leases == 0


def _release(lock: _Lock, entry: _Entry[Any]) -> None:
    if _unlease(lock, entry):
        _close_now(entry)


async def _aclose_entry(entry: _Entry[Any]) -> None:
    """Close an unused entry, awaiting it when it lives on the running loop."""
    if entry.loop is not None and entry.loop is asyncio.get_running_loop():
        await (entry.closer.aclose() if entry.closer is not None else entry.client.aclose())
    else:
        _close_now(entry)


class Lease(Generic[C]):
    """A core client kept open until ``release()`` (or until the lease is collected).

    Hold one for a whole call or stream: a settings change, ``close()`` or the
    owner being collected meanwhile closes the client only after release. A
    ``scoped`` lease is only ever used as a ``with`` block (one call), whose exit
    releases it, so it skips the finalizer that releases a dropped one.
    """

    __slots__ = ("__weakref__", "_done", "_held", "client")

    def __init__(self, lock: _Lock, entry: _Entry[C], scoped: bool = False) -> None:
        self.client: C = entry.client
        self._held: tuple[_Lock, _Entry[C]] | None = None
        self._done: weakref.finalize[Any, Any] | None = None
        if scoped:
            self._held = (lock, entry)
        else:
            self._done = weakref.finalize(self, _release, lock, entry)

    def _detach(self) -> tuple[_Lock, _Entry[C]] | None:
        if self._done is not None:
            detached = self._done.detach()
            return None if detached is None else detached[2]
        held, self._held = self._held, None
        return held

    def release(self) -> None:
        """Give the client back (idempotent)."""
        held = self._detach()
        if held is not None:
            _release(*held)

    async def arelease(self) -> None:
        """``release``, awaiting the close of a retired client on the running loop."""
        held = self._detach()
        if held is not None:
            lock, entry = held
            if _unlease(lock, entry):
                await _aclose_entry(entry)

    def __enter__(self) -> C:
        return self.client

    def __exit__(self, *exc: object) -> None:
        self.release()

    async def __aenter__(self) -> C:
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        await self.arelease()


class _Slot:
    """The clients of one owner."""

    __slots__ = ("aentry", "entry")

    def __init__(self) -> None:
        self.entry: _Entry[InferenceClient] | None = None
        self.aentry: _Entry[AsyncInferenceClient] | None = None


def _retire_slot(lock: _Lock, slot: _Slot) -> None:
    entry, aentry = slot.entry, slot.aentry
    slot.entry = slot.aentry = None
    _retire(lock, entry)
    _retire(lock, aentry)


class ClientLifecycle:
    """Lazy core clients for the adapter objects that hold this (a private attribute).

    Every method takes the ``owner`` (the adapter object) and its current
    ``settings`` (``endpoint``, ``credential``, ``model`` and any of
    ``CORE_CLIENT_OPTIONS``). A client is created on first use and reused while
    the settings and the httpx client are the same; otherwise a new one is
    built and the old one closed once no lease holds it. A pydantic
    ``model_copy`` shares this object but not the clients: each owner gets its
    own. ``copy.deepcopy`` and pickling give a fresh, empty lifecycle.

    Async clients are pooled per event loop and closed when that loop shuts
    down. A loop on a thread other than the main one (LlamaIndex's
    ``asyncio_run`` makes short-lived ones that close without shutting down
    their async generators) gets a client for one lease, closed at release.
    """

    __slots__ = ("__weakref__", "_lock", "_slots")

    def __init__(self) -> None:
        # Reentrant: finalizers (a collected owner or lease) take it too, and the
        # garbage collector may run them on this thread while it is held.
        self._lock: _Lock = threading.RLock()
        self._slots: dict[int, _Slot] = {}

    def _slot(self, owner: object) -> _Slot:
        slot = self._slots.get(id(owner))
        if slot is None:
            slot = _Slot()
            self._slots[id(owner)] = slot
            # The owner going away retires its clients (live leases finish first).
            weakref.finalize(owner, self._forget, id(owner))
        return slot

    def _forget(self, key: int) -> None:
        with self._lock:
            slot = self._slots.pop(key, None)
        if slot is not None:
            _retire_slot(self._lock, slot)

    # -- sync -----------------------------------------------------------------

    def lease(
        self,
        owner: object,
        settings: Mapping[str, Any],
        http_client: httpx.Client | None = None,
        scoped: bool = False,
    ) -> Lease[InferenceClient]:
        """The sync client for ``settings``, kept open until the lease is released
        (``scoped``: a lease used only as a ``with`` block, see ``Lease``).

        Raises:
            ConfigurationError, TypeError: the core rejects the settings.
        """
        key = _key(settings, http_client)
        with self._lock:
            slot = self._slot(owner)
            entry = slot.entry
            if entry is not None and entry.key == key:
                entry.leases += 1
                return Lease(self._lock, entry, scoped)
        from ._client import InferenceClient  # loaded with the first client (import cost)

        client = InferenceClient(**core_client_kwargs(settings), http_client=http_client)
        new: _Entry[InferenceClient] = _Entry(client, key, None)
        new.leases = 1
        with self._lock:
            old, slot.entry = slot.entry, new
        _retire(self._lock, old)
        return Lease(self._lock, new, scoped)

    def sync(
        self, owner: object, settings: Mapping[str, Any], http_client: httpx.Client | None = None
    ) -> InferenceClient:
        """The current sync client (no lease: for a caller that finishes before the next call)."""
        with self.lease(owner, settings, http_client) as client:
            return client

    # -- async ----------------------------------------------------------------

    async def alease(
        self,
        owner: object,
        settings: Mapping[str, Any],
        http_client: httpx.AsyncClient | None = None,
        scoped: bool = False,
    ) -> Lease[AsyncInferenceClient]:
        """The async client for ``settings`` on the running loop, kept open until release
        (``scoped``: a lease used only as an ``async with`` block, see ``Lease``).

        Raises:
            ConfigurationError, TypeError: the core rejects the settings.
        """
        loop = asyncio.get_running_loop()
        key = _key(settings, http_client)
        pooled = threading.current_thread() is threading.main_thread()
        if pooled:
            with self._lock:
                slot = self._slot(owner)
                entry = slot.aentry
                if entry is not None and entry.key == key and entry.loop is loop:
                    entry.leases += 1
                    return Lease(self._lock, entry, scoped)
        from ._async_client import AsyncInferenceClient  # loaded with the first client

        client = AsyncInferenceClient(**core_client_kwargs(settings), http_client=http_client)
        new: _Entry[AsyncInferenceClient] = _Entry(client, key, loop)
        new.leases = 1
        if not pooled:
            new.retired = True  # closed when this one lease ends
            return Lease(self._lock, new, scoped)
        new.closer = _close_with_loop(client)
        await new.closer.__anext__()  # now tracked by the loop's async-generator shutdown
        with self._lock:
            old, slot.aentry = slot.aentry, new
        _retire(self._lock, old)
        return Lease(self._lock, new, scoped)

    # -- closing --------------------------------------------------------------

    def close(self, owner: object) -> None:
        """Close the owner's sync client (after its live leases end)."""
        with self._lock:
            slot = self._slots.get(id(owner))
            entry = slot.entry if slot is not None else None
            if slot is not None:
                slot.entry = None
        _retire(self._lock, entry)

    async def aclose(self, owner: object) -> None:
        """Close the owner's sync and async clients (after their live leases end)."""
        self.close(owner)
        with self._lock:
            slot = self._slots.get(id(owner))
            entry = slot.aentry if slot is not None else None
            if slot is not None:
                slot.aentry = None
        if entry is None:
            return
        with self._lock:
            entry.retired = True
            idle = entry.leases == 0
        if idle:
            await _aclose_entry(entry)

    # -- copying --------------------------------------------------------------

    def __copy__(self) -> Self:
        return self  # shared on purpose: clients are kept per owner

    def __deepcopy__(self, memo: dict[int, Any]) -> ClientLifecycle:
        return ClientLifecycle()

    def __reduce__(self) -> tuple[type[ClientLifecycle], tuple[()]]:
        return (ClientLifecycle, ())

    def __repr__(self) -> str:
        return f"ClientLifecycle(owners={len(self._slots)})"
