"""The one client lifecycle every adapter class uses (``azure_inference_core._lifecycle``)."""

from __future__ import annotations

import asyncio
import copy
import gc
import inspect
import pickle
import threading
from typing import Any

import httpx
import pytest

from azure_inference_core import AsyncInferenceClient, InferenceClient
from azure_inference_core._lifecycle import (
    CORE_CLIENT_OPTIONS,
    OPTION_NAMES,
    ClientLifecycle,
    check_names,
    core_client_kwargs,
)

ENDPOINT = "http://127.0.0.1:9"


class Owner:
    """Stands for an adapter object: it holds a lifecycle and its settings."""

    def __init__(self, lifecycle: ClientLifecycle | None = None, **settings: Any) -> None:
        self.lifecycle = lifecycle or ClientLifecycle()
        self.settings: dict[str, Any] = {
            "endpoint": ENDPOINT,
            "credential": "k",
            "model": "m1",
            **settings,
        }

    def client(self) -> InferenceClient:
        return self.lifecycle.sync(self, self.settings)


def closed(client: InferenceClient | AsyncInferenceClient) -> bool:
    return bool(client._http.is_closed)


# -- options and names ---------------------------------------------------------------


def test_every_core_client_keyword_is_declared_with_the_core_default() -> None:
    for cls in (InferenceClient, AsyncInferenceClient):
        params = inspect.signature(cls.__init__).parameters
        core = {
            name: p.default
            for name, p in params.items()
            if name not in ("self", "endpoint", "credential", "model", "http_client")
        }
        assert set(core) <= OPTION_NAMES, set(core) - OPTION_NAMES
        declared = {o.name: o.default for o in CORE_CLIENT_OPTIONS}
        for name, default in core.items():
            assert declared[name] == default, name


def test_only_options_that_differ_from_the_core_default_are_passed() -> None:
    kwargs = core_client_kwargs(
        {"endpoint": ENDPOINT, "credential": None, "model": None, "trust_env": True, "proxy": None}
    )
    assert kwargs == {"endpoint": ENDPOINT, "credential": None, "model": None}
    kwargs = core_client_kwargs({"endpoint": ENDPOINT, "max_retries": 0, "timeout": 1})
    assert kwargs["max_retries"] == 0
    assert kwargs["timeout"] == 1


def test_unknown_settings_raise_listing_the_valid_names() -> None:
    with pytest.raises(TypeError, match=r"'max_retry' \(did you mean 'max_retries'\?\)") as err:
        core_client_kwargs({"endpoint": ENDPOINT, "max_retry": 1})
    assert "allow_insecure_http" in str(err.value)
    assert "key_header" in str(err.value)


def test_check_names_suggests_the_name_used_here() -> None:
    valid = ["credential", "temperature", "endpoint"]
    with pytest.raises(TypeError) as err:
        check_names(["api_key", "temprature", "zzz"], valid, "AzureInference()")
    text = str(err.value)
    assert "'api_key' (did you mean 'credential'?)" in text
    assert "'temprature' (did you mean 'temperature'?)" in text
    assert "'zzz'," not in text
    assert "'zzz'." in text
    assert "Valid names: credential, endpoint, temperature." in text
    check_names(["credential"], valid, "x")  # no error


# -- sync clients --------------------------------------------------------------------


def test_clients_are_lazy_and_reused_while_settings_are_the_same() -> None:
    owner = Owner()
    assert owner.lifecycle._slots == {}
    first = owner.client()
    assert owner.client() is first
    assert first.model == "m1"


@pytest.mark.parametrize(
    "change",
    [
        {"model": "m2"},
        {"credential": "other-key"},
        {"endpoint": "http://127.0.0.1:10"},
        {"max_retries": 0},
        {"key_header": "api-key"},
    ],
)
def test_a_changed_setting_rebuilds_and_closes_the_old_client(change: dict[str, Any]) -> None:
    owner = Owner()
    old = owner.client()
    owner.settings.update(change)
    new = owner.client()
    assert new is not old
    assert closed(old)
    assert not closed(new)
    if "model" in change:
        assert new.model == "m2"


def test_editing_default_headers_in_place_counts_as_a_change() -> None:
    headers = {"x-a": "1"}
    owner = Owner(default_headers=headers)
    old = owner.client()
    headers["x-a"] = "2"
    assert owner.client() is not old


def test_a_new_http_client_rebuilds() -> None:
    owner = Owner()
    old = owner.client()
    with httpx.Client() as http:
        new = owner.lifecycle.sync(owner, owner.settings, http)
        assert new is not old
        assert new._http is http


def test_a_lease_keeps_its_client_open_through_changes_and_close() -> None:
    owner = Owner()
    lease = owner.lifecycle.lease(owner, owner.settings)
    owner.settings["model"] = "m2"
    assert owner.client() is not lease.client
    owner.lifecycle.close(owner)
    assert not closed(lease.client)
    lease.release()
    assert closed(lease.client)
    lease.release()  # idempotent


@pytest.mark.parametrize("scoped", [False, True])
def test_a_call_lease_keeps_its_client_open_until_its_block_ends(scoped: bool) -> None:
    owner = Owner()
    with owner.lifecycle.lease(owner, owner.settings, scoped=scoped) as client:
        owner.settings["model"] = "m2"
        assert owner.client() is not client
        owner.lifecycle.close(owner)
        assert not closed(client)
    assert closed(client)


def test_a_scoped_lease_counts_back_to_zero_and_releases_once() -> None:
    owner = Owner()
    lease = owner.lifecycle.lease(owner, owner.settings, scoped=True)
    entry = owner.lifecycle._slot(owner).entry
    assert entry is not None
    assert entry.leases == 1
    with lease:
        pass
    lease.release()  # idempotent: the count does not go below zero
    assert entry.leases == 0
    owner.lifecycle.close(owner)
    assert closed(lease.client)


def test_a_collected_owner_closes_its_client_but_not_under_a_live_lease() -> None:
    owner = Owner()
    idle = owner.client()
    other = Owner(owner.lifecycle, model="m2")
    lease = other.lifecycle.lease(other, other.settings)
    del owner, other
    gc.collect()
    assert closed(idle)
    assert not closed(lease.client)
    client = lease.client
    del lease
    gc.collect()
    assert closed(client)


def test_shallow_copies_get_their_own_clients() -> None:
    owner = Owner()
    twin = copy.copy(owner)  # shares the lifecycle, like pydantic's model_copy
    twin.settings = {**owner.settings, "model": "m2"}
    assert twin.lifecycle is owner.lifecycle
    mine, theirs = owner.client(), twin.client()
    assert mine is not theirs
    assert not closed(mine)
    assert owner.client() is mine
    assert mine.model == "m1"
    assert theirs.model == "m2"


def test_deepcopy_and_pickle_after_first_use_start_fresh() -> None:
    owner = Owner()
    first = owner.client()
    clone = copy.deepcopy(owner)
    assert clone.lifecycle is not owner.lifecycle
    assert clone.lifecycle._slots == {}
    assert clone.client() is not first
    restored = pickle.loads(pickle.dumps(owner.lifecycle))
    assert isinstance(restored, ClientLifecycle)
    assert restored._slots == {}
    assert "k" not in repr(owner.lifecycle)


# -- async clients -------------------------------------------------------------------


def test_async_clients_are_pooled_per_loop_and_closed_with_it() -> None:
    owner = Owner()

    async def use() -> AsyncInferenceClient:
        async with (
            await owner.lifecycle.alease(owner, owner.settings) as a,
            await owner.lifecycle.alease(owner, owner.settings) as b,
        ):
            assert a is b
        return a

    first = asyncio.run(use())
    assert closed(first)  # asyncio.run shut down its async generators
    second = asyncio.run(use())
    assert second is not first


def test_async_change_waits_for_the_live_lease() -> None:
    owner = Owner()

    async def main() -> None:
        lease = await owner.lifecycle.alease(owner, owner.settings)
        owner.settings["model"] = "m2"
        async with await owner.lifecycle.alease(owner, owner.settings) as new:
            assert new is not lease.client
        assert not closed(lease.client)
        await lease.arelease()
        assert closed(lease.client)
        await owner.lifecycle.aclose(owner)
        assert closed(new)

    asyncio.run(main())


def test_a_loop_off_the_main_thread_gets_a_client_for_one_lease() -> None:
    owner = Owner()
    seen: list[AsyncInferenceClient] = []

    async def use() -> None:
        async with await owner.lifecycle.alease(owner, owner.settings) as client:
            seen.append(client)
            assert not closed(client)

    def worker() -> None:
        loop = asyncio.new_event_loop()  # closed without shutting down async generators
        try:
            loop.run_until_complete(use())
            loop.run_until_complete(use())
        finally:
            loop.close()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert len(seen) == 2
    assert seen[0] is not seen[1]
    assert all(closed(c) for c in seen)


# -- the pydantic base of the adapter classes -----------------------------------------


def test_settings_base_has_every_core_option_with_the_core_default() -> None:
    from azure_inference_core._settings import CoreClientSettings

    fields = CoreClientSettings.model_fields
    for option in CORE_CLIENT_OPTIONS:
        assert option.name in fields, option.name
        assert fields[option.name].default == option.default, option.name


def test_settings_base_checks_names_secrets_and_builds_lazily() -> None:
    from azure_inference_core._settings import CoreClientSettings

    with pytest.raises(TypeError, match=r"'max_retry' \(did you mean 'max_retries'\?\)"):
        CoreClientSettings(endpoint=ENDPOINT, max_retry=1)
    settings = CoreClientSettings(
        endpoint=ENDPOINT, credential="k", default_headers={"api-key": "gw", "x-a": "1"}
    )
    dumped = settings.model_dump()
    assert dumped["default_headers"] == {"x-a": "1"}
    assert "credential" not in dumped
    assert "gw" not in repr(settings)
    with pytest.raises(ValueError, match="masked value"):
        CoreClientSettings(endpoint=ENDPOINT, default_headers={"Authorization": "***"})
    assert settings._lifecycle._slots == {}
    client = settings._get_sync_client()
    settings.max_retries = 0
    assert settings._get_sync_client() is not client
    assert closed(client)
    settings.close()


def test_a_finalizer_run_while_the_lock_is_held_does_not_deadlock() -> None:
    # The garbage collector may finalize an owner (or a lease) on a thread that
    # holds the lifecycle's lock; with a plain Lock that thread would hang.
    lifecycle = ClientLifecycle()
    owner = Owner(lifecycle)
    client = owner.client()

    def collect_under_the_lock() -> None:
        nonlocal owner
        with lifecycle._lock:
            del owner
            gc.collect()

    worker = threading.Thread(target=collect_under_the_lock, daemon=True)
    worker.start()
    worker.join(timeout=60)  # a hang guard, not a speed check
    assert not worker.is_alive()
    assert closed(client)


async def test_an_async_call_block_keeps_its_client_until_the_block_ends() -> None:
    from azure_inference_core._settings import CoreClientSettings

    settings = CoreClientSettings(endpoint=ENDPOINT, credential="k")
    async with settings._async_client() as client:
        settings.max_retries = 0
        async with settings._async_client() as other:
            assert other is not client
        assert not closed(client)
    assert closed(client)  # retired, and its last lease ended with the block
    entry = settings._lifecycle._slot(settings).aentry
    assert entry is not None
    assert entry.leases == 0
    await settings.aclose()
