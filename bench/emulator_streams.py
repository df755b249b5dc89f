"""Emulator under load: many concurrent streams, and the server's memory per open stream.

For the lead's bench (call :func:`memory_per_stream` or run
``python -m bench.emulator_streams [--streams N]``). The emulator runs as its
own process (the CLI), so its resident memory is measured alone; the client
is raw asyncio sockets in this process (one connection per stream).

Method: start the emulator with slow, constant per-token latency (every
stream stays open for seconds), read its RSS (``/proc/<pid>/status``) once
idle after a warm-up, open N streams at once, wait until the admin route
counts N streams started and each client has its first event, read the RSS
again, then close everything. Memory per open stream = (open - idle) / N.
Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from typing import Any
from urllib.request import urlopen

__all__ = ["StreamOutcome", "memory_per_stream", "open_stream", "run_streams"]

API_VERSION = "2024-05-01-preview"


class StreamOutcome:
    """What one stream returned."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body

    @property
    def complete(self) -> bool:
        """A 200 that ended with ``data: [DONE]`` and carried no error event."""
        return self.status == 200 and b"data: [DONE]" in self.body and b'"error"' not in self.body


def _request(host: str, port: int, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"POST /chat/completions?api-version={API_VERSION} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + payload


async def open_stream(
    host: str, port: int, body: dict[str, Any], first_event: asyncio.Event | None = None
) -> StreamOutcome:
    """One streamed chat request on its own connection, read to the end."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(_request(host, port, body))
        await writer.drain()
        data = b""
        while True:
            piece = await reader.read(65536)
            if not piece:
                break
            data += piece
            if first_event is not None and b"data: " in data:
                first_event.set()
                first_event = None
        status_line = data.split(b"\r\n", 1)[0]
        match = re.match(rb"HTTP/1\.[01] (\d{3})", status_line)
        return StreamOutcome(int(match.group(1)) if match else 0, data)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def run_streams(
    host: str, port: int, count: int, body: dict[str, Any]
) -> list[StreamOutcome | BaseException]:
    """``count`` concurrent streams; each outcome, or the exception it raised."""
    tasks = [open_stream(host, port, {**body, "stream": True}) for _ in range(count)]
    return list(await asyncio.gather(*tasks, return_exceptions=True))


def _rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc status")


def _admin(port: int, what: str) -> Any:
    with urlopen(f"http://127.0.0.1:{port}/_emulator/{what}", timeout=10) as answer:
        return json.loads(answer.read())


def memory_per_stream(streams: int = 2000, per_token_seconds: float = 1.0) -> dict[str, Any]:
    """Resident memory of the emulator per open stream (bytes), measured as described above.

    Returns:
        ``{"streams", "idle_rss", "open_rss", "bytes_per_stream", "completed", "failed"}``.
    """
    config = {"latency": {"first_token": 0.0, "per_token": per_token_seconds}}
    cmd = [sys.executable, "-m", "azure_inference_emulator", "--port", "0", "--no-rate-limit"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    path = f"/tmp/emulator-bench-{os.getpid()}.json"
    with open(path, "w") as f:
        json.dump(config, f)
    proc = subprocess.Popen(
        [*cmd, "--config", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if found is None:
            raise RuntimeError(f"the emulator did not start: {line!r}")
        port = int(found.group(1))
        body = {"messages": [{"role": "user", "content": "hello"}], "max_tokens": 6}

        async def measure() -> dict[str, Any]:
            fast = {**body, "max_tokens": 1}
            _admin(port, "config")
            await run_streams("127.0.0.1", port, 50, fast)  # warm-up
            await asyncio.sleep(per_token_seconds * 2 + 0.5)
            idle = _rss_bytes(proc.pid)
            started = _admin(port, "metrics").get("streams", 0)
            events = [asyncio.Event() for _ in range(streams)]
            tasks = [
                asyncio.ensure_future(open_stream("127.0.0.1", port, {**body, "stream": True}, e))
                for e in events
            ]
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), timeout=300)
            opened = _admin(port, "metrics").get("streams", 0) - started
            open_rss = _rss_bytes(proc.pid)
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
            completed = sum(1 for o in outcomes if isinstance(o, StreamOutcome) and o.complete)
            return {
                "streams": opened,
                "idle_rss": idle,
                "open_rss": open_rss,
                "bytes_per_stream": (open_rss - idle) / max(1, opened),
                "completed": completed,
                "failed": streams - completed,
            }

        return asyncio.run(measure())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        os.unlink(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.emulator_streams")
    parser.add_argument("--streams", type=int, default=2000)
    args = parser.parse_args(argv)
    start = time.monotonic()
    result = memory_per_stream(args.streams)
    result["seconds"] = round(time.monotonic() - start, 1)
    print(json.dumps(result, indent=2))
    return 0 if result["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
