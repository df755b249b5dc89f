"""Notebook 04: endpoints, auth, retries, rate limits, timeouts and concurrency."""

from __future__ import annotations

from ._cells import NotebookSpec, code, md
from ._nb04_observability import observability_cells

NOTEBOOK = NotebookSpec(
    "04_production.ipynb",
    "Production concerns: how the endpoint URL picks routes, key header and Entra ID "
    "scope (as a table); retries on 429 with Retry-After and on 503, content-filter "
    "errors that are not retried, rate budgets, timeouts and async concurrency, with "
    "plots of retries over time, streamed-token latency and concurrent requests, "
    "and an OpenTelemetry trace tree and GenAI metrics as plots.",
)
add = NOTEBOOK.cells.append

add(
    md("""
# In production: endpoints, auth, retries, timeouts, concurrency

What changes between a demo and a service: which URL you paste, how the client
authenticates, what happens when the service throttles or fails, how long you
wait, and how many calls you run at once.

The faults shown here (throttling, outages, slow answers) are injected by the
local emulator, so this notebook always runs them against an emulator started
in this process, even when `AZURE_INFERENCE_ENDPOINT` is set. Waits are kept to
fractions of a second.
""")
)

add(
    code(
        """
import time

from azure_inference_emulator import Emulator

emulator = Emulator(
    "Mistral-Large", key="emulator-key", tokens=["entra-demo-token"], seed=7
).start()
emulator.wait_started()
key = "emulator-key"
print(emulator)
""",
        tag="setup",
    )
)

add(
    md("""
## Endpoint flavours: the URL decides

The same API is served under several URL shapes, and the portal, the SDK samples
and the docs each show a different one. `resolve_endpoint` reads the shape and
decides where the routes go, the `api-version`, where a key goes, the Entra ID
scope, whether the body must name a deployment (`model`), and whether `/info`
exists. A full target URI loses its route and keeps its `api-version`; a project
endpoint goes to its resource's `/models` routes. Shapes no inference route
serves are refused with a message that says what to paste instead (last rows).
docs/endpoints.md has the sources of each choice. (With `AZURE_INFERENCE_ENDPOINT`
set, your endpoint gets a row too.)
""")
)

add(
    code(
        r"""
import os

from IPython.display import Markdown, display

from azure_inference_core import ConfigurationError, resolve_endpoint

urls = [
    "https://my-resource.services.ai.azure.com/api/projects/my-project",
    "https://my-resource.services.ai.azure.com/models",
    "https://my-resource.services.ai.azure.com",
    "https://my-resource.openai.azure.com",
    "https://my-resource.openai.azure.com/openai/deployments/gpt-4o-mini",
    "https://my-resource.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions"
    "?api-version=2024-10-21",
    "https://my-resource.services.ai.azure.com/openai/v1",
    "https://my-phi.eastus2.models.ai.azure.com",
    "https://my-mistral-serverless.eastus2.inference.ai.azure.com",
    "https://my-endpoint.eastus2.inference.ml.azure.com",
    "http://127.0.0.1:8000",
]
if os.environ.get("AZURE_INFERENCE_ENDPOINT"):  # and yours, when configured
    urls.append(os.environ["AZURE_INFERENCE_ENDPOINT"])
rows = [
    "| you paste | flavour | routes under | api-version | key header | Entra ID scope "
    "| body `model` | `/info` |",
    "|---|---|---|---|---|---|---|---|",
]
for url in urls:
    c = resolve_endpoint(url)
    rows.append(
        f"| `{url}` | {c.flavour.value} | `{c.base_url}` | {c.api_version or 'none'} "
        f"| {c.key_header} | `{c.scopes[0]}` | {'required' if c.requires_model else 'ignored'} "
        f"| {'yes' if c.has_info_route else 'no'} |"
    )
for url in (
    "https://models.inference.ai.azure.com",
    "https://my-endpoint.eastus2.inference.ml.azure.com/score",
    "https://my-resource.services.ai.azure.com/api/projects/my-project/agents",
):
    try:
        resolve_endpoint(url)
    except ConfigurationError as refused:
        rows.append(f"| `{url}` | refused: {refused.message.split('. ')[0]} |||||||")
display(Markdown("\n".join(rows)))
""",
        tag="flavours",
    )
)

add(
    md("""
The emulator serves every shape on one port. One call through each, and what
arrived on the wire: the route, the `api-version`, and which header carried the
key (the emulator records requests with secrets redacted). A bare loopback URL
does not say whether it is serverless or managed compute, so the client sends the
key in both headers there, as the official SDK always does.
""")
)

add(
    code(
        r"""
from azure_inference_core import InferenceClient

shapes = {
    "serverless (bare routes)": (emulator.endpoint, None),
    "Foundry project": (emulator.endpoint + "/api/projects/demo", "Mistral-Large"),
    "Foundry /models": (emulator.foundry_endpoint, "Mistral-Large"),
    "Azure OpenAI deployment": (emulator.openai_deployment_endpoint("gpt-4o-mini"), None),
    "OpenAI v1": (emulator.openai_v1_endpoint, "gpt-4o-mini"),
}
rows = ["| endpoint | route | api-version | key sent in | answered by |", "|---|---|---|---|---|"]
for name, (url, model) in shapes.items():
    with InferenceClient(url, key, model=model) as client:
        answer = client.complete([{"role": "user", "content": "Hello"}])
    sent = emulator.requests[-1]
    headers = [h for h in ("api-key", "authorization") if h in sent.headers]
    rows.append(
        f"| {name} | `{sent.path}` | {sent.query.get('api-version', 'none')} "
        f"| {', '.join(headers)} | {answer.model} |"
    )
display(Markdown("\n".join(rows)))
""",
        tag="routes",
    )
)

add(
    md("""
## Entra ID: the scope comes from the URL

A token credential (azure-identity's `DefaultAzureCredential`, for instance) is
asked for a token for the endpoint's scope. Here a stand-in credential hands out
a token the emulator accepts and records which scope each client asked for.
Tokens are cached and refreshed five minutes before they expire.
`credential_scopes=` overrides the choice.
""")
)

add(
    code(
        '''
from typing import NamedTuple


class AccessToken(NamedTuple):
    token: str
    expires_on: int


class RecordingCredential:
    """Stands in for DefaultAzureCredential; remembers the scopes it was asked for."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        self.requests.append(scopes)
        return AccessToken("entra-demo-token", int(time.time()) + 3600)


for name, (url, model) in shapes.items():
    credential = RecordingCredential()
    with InferenceClient(url, credential, model=model) as client:
        client.complete([{"role": "user", "content": "Hello"}])
        client.complete([{"role": "user", "content": "Hello again"}])
    print(
        f"{name:26} scope {credential.requests[0][0]}  (tokens fetched: {len(credential.requests)})"
    )

credential = RecordingCredential()
with InferenceClient(
    emulator.endpoint, credential, credential_scopes=["https://ai.azure.com/.default"]
) as client:
    client.complete([{"role": "user", "content": "Hello"}])
print("override:", credential.requests[0][0])
''',
        tag="entra",
    )
)

add(
    md("""
## Retries

The client retries 408, 429, 500, 502, 503 and 504 and connection failures,
`max_retries=2` times by default. It waits as long as the service asks
(`retry-after-ms`, `x-ms-retry-after-ms`, `Retry-After`), otherwise backs off
exponentially from 0.5 s with jitter. A stream is never retried once a chunk
arrived.

The emulator's `x-emulator-fault` header injects a fault; `times=2` makes only
the first two requests carrying it fail. An httpx event hook records every
attempt so we can see them.
""")
)

add(
    code(
        """
import httpx

attempts: list[tuple[str, float, int]] = []
scenario = "none"
t0 = time.perf_counter()


def record(response: httpx.Response) -> None:
    attempts.append((scenario, time.perf_counter() - t0, response.status_code))


http = httpx.Client(event_hooks={"response": [record]})
client = InferenceClient(emulator.endpoint, key, http_client=http)
hello = [{"role": "user", "content": "Hello"}]


def run(name: str, fault: str) -> None:
    global scenario, t0
    scenario, t0 = name, time.perf_counter()
    client.complete(hello, headers={"x-emulator-fault": fault})
    statuses = [status for s, _, status in attempts if s == name]
    print(
        f"{name}: attempts {statuses}, retries {len(statuses) - 1}, "
        f"done in {time.perf_counter() - t0:.2f} s"
    )


run("429 + Retry-After", "status=429; retry-after-ms=150; times=2; id=throttle")
run("503, no Retry-After", "status=503; times=1; id=outage")
""",
        tag="retries",
    )
)

add(
    md("""
Retries over time: each dot is one attempt, placed at the moment its answer
arrived. The 429s are spaced by the 150 ms the service asked for; the 503 is
followed by the client's own backoff (about 0.4-0.5 s).
""")
)

add(
    code(
        """
import matplotlib.pyplot as plt

colors = {429: "tab:orange", 503: "tab:red", 200: "tab:green"}
names = list(dict.fromkeys(s for s, _, _ in attempts))
fig, ax = plt.subplots(figsize=(7, 2.2))
for row, name in enumerate(names):
    points = [(t, status) for s, t, status in attempts if s == name]
    ax.plot([t * 1000 for t, _ in points], [row] * len(points), color="lightgray", zorder=1)
    for t, status in points:
        ax.scatter(t * 1000, row, color=colors.get(status, "black"), s=80, zorder=2)
        ax.annotate(
            str(status), (t * 1000, row), textcoords="offset points", xytext=(0, 8), ha="center"
        )
ax.set_yticks(range(len(names)), names)
ax.set_ylim(-0.6, len(names) - 0.4)
ax.set_xlabel("ms since the call started")
ax.set_title("Attempts per call")
fig.tight_layout()
plt.show()
""",
        tag="retries-plot",
    )
)

add(
    md("""
With `max_retries=0` you get the error at once. A `RateLimitError` carries the
wait the service asked for in `.retry_after`.
""")
)

add(
    code(
        """
from azure_inference_core import RateLimitError

with InferenceClient(emulator.endpoint, key, max_retries=0) as no_retry:
    try:
        no_retry.complete(hello, headers={"x-emulator-fault": "status=429; retry-after=2"})
    except RateLimitError as exc:
        print(f"{type(exc).__name__} {exc.status_code}: retry after {exc.retry_after} s")
""",
        tag="no-retry",
    )
)

add(
    md("""
Not every error is worth a retry. A content-filter block is a 400: asking again
gives the same answer, so the client raises `ContentFilterError` after one
attempt.
""")
)

add(
    code(
        """
from azure_inference_core import ContentFilterError

scenario, t0 = "content filter", time.perf_counter()
try:
    client.complete(hello, headers={"x-emulator-fault": "content-filter=prompt"})
except ContentFilterError as exc:
    statuses = [status for s, _, status in attempts if s == scenario]
    print(f"{type(exc).__name__} ({exc.status_code}, {exc.code}); attempts {statuses}")
""",
        tag="content-filter",
    )
)

add(
    md("""
## Rate budgets

Serverless deployments allow 1,000 requests and 200,000 tokens a minute. The
emulator keeps the same budgets; here we shrink the request budget to 3 a minute
to see what happens when it runs out: a 429 whose `Retry-After` says when the
minute ends. (With retries on, the client would wait that long; we turn them off.)
""")
)

add(
    code(
        """
emulator.set_rate_limits(requests_per_minute=3, tokens_per_minute=None)
with InferenceClient(emulator.endpoint, key, max_retries=0) as no_retry:
    for i in range(1, 5):
        try:
            no_retry.complete(hello)
            print(f"request {i}: ok")
        except RateLimitError as exc:
            print(f"request {i}: {exc.status_code}, retry after {exc.retry_after:.1f} s")
emulator.set_rate_limits(requests_per_minute=1000, tokens_per_minute=200_000)
""",
        tag="rate-budget",
    )
)

add(
    md("""
## Timeouts

`timeout=` (seconds, or an `httpx.Timeout`) bounds each attempt; it is set on the
client and can be changed per call. A timeout is retried like a connection
failure, then raised as `APITimeoutError`. The emulator's `delay-first-byte`
fault makes the answer late.
""")
)

add(
    code(
        """
from azure_inference_core import APITimeoutError

with InferenceClient(emulator.endpoint, key, timeout=0.2, max_retries=0) as impatient:
    started = time.perf_counter()
    try:
        impatient.complete(hello, headers={"x-emulator-fault": "delay-first-byte=1"})
    except APITimeoutError as exc:
        print(f"{type(exc).__name__} after {time.perf_counter() - started:.2f} s: {exc}")

    started = time.perf_counter()
    answer = impatient.complete(
        hello, headers={"x-emulator-fault": "delay-first-byte=0.3"}, timeout=2.0
    )
    print(f"per-call timeout=2.0: answered in {time.perf_counter() - started:.2f} s")
""",
        tag="timeouts",
    )
)

add(
    md("""
## Streaming latency

Streaming shows the first words long before the answer is complete. The
emulator paces this stream at 20 ms per chunk (`chunk-delay=0.02`); we note when
each token arrives.
""")
)

add(
    code(
        """
import itertools

question = [
    {"role": "user", "content": "Describe the Azure AI Model Inference API in a few words."}
]

started = time.perf_counter()
arrivals: list[float] = []
with client.stream(question, headers={"x-emulator-fault": "chunk-delay=0.02"}) as stream:
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            arrivals.append((time.perf_counter() - started) * 1000)

print(
    f"first token after {arrivals[0]:.0f} ms; the whole answer ({len(arrivals)} tokens) "
    f"after {arrivals[-1]:.0f} ms"
)
gaps = sorted(b - a for a, b in itertools.pairwise(arrivals))
print(f"gap between tokens: median {gaps[len(gaps) // 2]:.0f} ms, max {gaps[-1]:.0f} ms")

fig, ax = plt.subplots(figsize=(7, 2.6))
ax.step(arrivals, range(1, len(arrivals) + 1), where="post", label="tokens received")
ax.axvline(arrivals[0], color="tab:green", linestyle="--", label="first token: reader can start")
ax.axvline(
    arrivals[-1], color="tab:red", linestyle="--", label="last token: a non-streamed call returns"
)
ax.set_xlabel("ms since the request")
ax.set_ylabel("tokens")
ax.legend(loc="lower right", fontsize="small")
fig.tight_layout()
plt.show()
""",
        tag="stream-latency",
    )
)

add(
    md("""
## Async concurrency

`AsyncInferenceClient` has the same methods as `async def`. One client shares
one connection pool across tasks; `asyncio.gather` runs calls at once. Each call
here takes 100 ms on the server (`delay-first-byte=0.1`).
""")
)

add(
    code(
        """
import asyncio

from azure_inference_core import AsyncInferenceClient

slow = {"x-emulator-fault": "delay-first-byte=0.1"}
spans: dict[str, list[tuple[float, float]]] = {"one after another": [], "asyncio.gather": []}


async def timed(aclient: AsyncInferenceClient, label: str, i: int, origin: float) -> str:
    begin = time.perf_counter() - origin
    result = await aclient.complete([{"role": "user", "content": f"Question {i}"}], headers=slow)
    spans[label].append((begin, time.perf_counter() - origin))
    return result.choices[0].message.content


async with AsyncInferenceClient(emulator.endpoint, key) as aclient:
    await aclient.complete(hello)  # warm up: open a connection before timing
    origin = time.perf_counter()
    for i in range(8):
        await timed(aclient, "one after another", i, origin)
    sequential = time.perf_counter() - origin

    origin = time.perf_counter()
    answers = await asyncio.gather(*(timed(aclient, "asyncio.gather", i, origin) for i in range(8)))
    concurrent = time.perf_counter() - origin

print(f"8 calls one after another: {sequential:.2f} s")
print(f"8 calls with asyncio.gather: {concurrent:.2f} s ({sequential / concurrent:.1f}x faster)")
print("first answer:", answers[0])
""",
        tag="async",
    )
)

add(
    code(
        """
fig, axes = plt.subplots(1, 2, figsize=(8, 2.4), sharex=True, sharey=True)
for ax, (label, bars) in zip(axes, spans.items(), strict=True):
    for row, (begin, end) in enumerate(sorted(bars)):
        ax.barh(row, (end - begin) * 1000, left=begin * 1000, color="tab:blue")
    ax.set_title(label)
    ax.set_xlabel("ms")
axes[0].set_ylabel("call")
fig.tight_layout()
plt.show()
""",
        tag="async-plot",
    )
)

NOTEBOOK.cells.extend(observability_cells())

add(
    md("""
Close what we opened.
""")
)

add(
    code(
        """
client.close()
http.close()
emulator.stop()
""",
        tag="cleanup",
    )
)
