"""Turns raw results into ratios, budget verdicts, a markdown table, a plot, JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._measure import ratio
from ._orchestrate import IMPORT_NAME

__all__ = ["budgets", "derive", "embed", "markdown", "plot", "write_all"]

BURSTS = ("burst", "burst_latency")
FRAMEWORK_FLOOR = {"langchain": "lc_floor", "llamaindex": "li_floor"}

# (metric key in summaries, value key) for the figures with a floor.
FIGURES = {
    "call_cpu": ("call", "cpu"),
    "call_wall": ("call", "wall"),
    "chunk_cpu": ("stream", "cpu"),
    "chunk_cpu_per_event": ("stream_per_event", "cpu"),
    "ttft": ("ttft", "wall"),
    "tool_stream_cpu": ("tools", "cpu_stream"),
}


def _median(summaries: dict[str, Any], name: str, metric: str, key: str) -> float | None:
    value = summaries.get(name, {}).get(metric, {}).get(key)
    return value["median"] if isinstance(value, dict) and "median" in value else None


def _floor(
    summaries: dict[str, Any], family: str, kind: str, metric: str, key: str
) -> float | None:
    """Raw httpx, plus the framework's own no-I/O cost for framework integrations."""
    raw = _median(summaries, "raw_httpx", metric, key)
    if family not in FRAMEWORK_FLOOR or kind in ("floor", "framework"):
        return raw
    framework = _median(summaries, FRAMEWORK_FLOOR[family], metric, key)
    if raw is None or framework is None:
        return None
    return raw + framework


def floor_label(family: str, kind: str) -> str:
    if family == "langchain" and kind not in ("floor", "framework"):
        return "raw+LC"
    if family == "llamaindex" and kind not in ("floor", "framework"):
        return "raw+LI"
    return "raw"


def derive(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per contender: each figure's median/min/max, its floor, and the ratio to it."""
    summaries = results["summaries"]
    imports = results["imports"]
    derived: dict[str, dict[str, Any]] = {}
    sdk_bursts = {
        variant: summaries.get("azure_sdk", {}).get(variant, {}).get("wall", {}).get("median")
        for variant in BURSTS
    }
    raw_memory = (results["contenders"].get("raw_httpx", {}).get("memory") or {}).get("bytes")
    for name, info in results["contenders"].items():
        family, kind = info["family"], info["kind"]
        row: dict[str, Any] = {
            "label": info["label"],
            "kind": kind,
            "family": family,
            "floor": floor_label(family, kind),
            "error": info.get("error"),
        }
        for figure, (metric, key) in FIGURES.items():
            value = summaries.get(name, {}).get(metric, {}).get(key)
            if not isinstance(value, dict):
                error = summaries.get(name, {}).get(metric, {}).get("error")
                row[figure] = {"error": error} if error else None
                continue
            floor = _floor(summaries, family, kind, metric, key)
            row[figure] = {**value, "floor": floor, "ratio": ratio(value["median"], floor)}
        ttft, ttft_floor = row.get("ttft"), None
        if isinstance(ttft, dict) and "median" in ttft and kind not in ("floor", "framework"):
            ttft_floor = ttft["floor"]
            row["ttft_overhead"] = ttft["median"] - ttft_floor if ttft_floor is not None else None
        tools = summaries.get(name, {}).get("tools", {})
        row["tools_recovered"] = (
            f"{tools['recovered']}/{tools['expected']}" if "recovered" in tools else None
        )
        for variant in BURSTS:
            burst = summaries.get(name, {}).get(variant)
            if burst and "wall" in burst:
                sdk = sdk_bursts[variant]
                row[variant] = {**burst, "vs_sdk": ratio(burst["wall"]["median"], sdk)}
            elif burst:
                row[variant] = {"error": burst.get("error")}
        memory = (info.get("memory") or {}).get("bytes")
        if memory is not None:
            framework = FRAMEWORK_FLOOR.get(family)
            floor_memory = raw_memory
            if framework and kind not in ("floor", "framework") and raw_memory is not None:
                extra = (results["contenders"].get(framework, {}).get("memory") or {}).get("bytes")
                floor_memory = raw_memory + extra if extra is not None else None
            used = (info.get("memory") or {}).get("used_bytes")
            row["memory"] = {"bytes": memory, "ratio": ratio(memory, floor_memory), "used": used}
        target = imports.get(IMPORT_NAME.get(name, name))
        if target and "seconds" in target:
            row["import"] = {
                "increment_cpu": target.get("increment_cpu"),
                "increment_modules": target.get("increment_modules"),
                "cli_blocked_cpu": target.get("cli_blocked_cpu"),
                "cli_blocked_modules": target.get("cli_blocked_modules"),
                "cpu": target["cpu"],
                "seconds": target["seconds"],
                "modules": target["modules"],
                "baseline": target.get("baseline"),
            }
            base = imports.get(target.get("baseline") or "")
            if base and "seconds" in base:
                row["import"]["over_baseline"] = target["cpu"]["median"] - base["cpu"]["median"]
                row["import"]["wall_over_baseline"] = (
                    target["seconds"]["median"] - base["seconds"]["median"]
                )
                row["import"]["modules_over_baseline"] = (
                    target["modules"]["median"] - base["modules"]["median"]
                )
                if target.get("cli_blocked_cpu") and base.get("cli_blocked_cpu"):
                    row["import"]["cli_blocked_over_baseline"] = (
                        target["cli_blocked_cpu"]["median"] - base["cli_blocked_cpu"]["median"]
                    )
        elif target:
            row["import"] = {"error": target.get("error")}
        derived[name] = row
    return derived


def _check(
    name: str, what: str, value: float | None, limit: float | None, fmt: Callable[[float], str]
) -> dict[str, Any]:
    if value is None or limit is None:
        return {
            "budget": what,
            "contender": name,
            "measured": None,
            "limit": None,
            "verdict": "n/a",
        }
    return {
        "budget": what,
        "contender": name,
        "measured": fmt(value),
        "limit": fmt(limit),
        "verdict": "PASS" if value <= limit else "MISS",
    }


def budgets(results: dict[str, Any], derived: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The project's speed budgets, each checked against this run's floors."""

    def fig(name: str, figure: str, key: str = "median") -> float | None:
        value = derived.get(name, {}).get(figure)
        return value.get(key) if isinstance(value, dict) else None

    def ms(v: float) -> str:
        return f"{v * 1e3:.3f} ms"

    def us(v: float) -> str:
        return f"{v * 1e6:.1f} us"

    def sec(v: float) -> str:
        return f"{v:.3f} s"

    checks = []
    for name, call_x, chunk_x in (("core", 1.2, 2.0), ("lc_ours", 1.2, 1.5), ("li_ours", 1.2, 1.5)):
        floor_text = {"core": "raw", "lc_ours": "raw+LC", "li_ours": "raw+LI"}[name]
        call_floor = fig(name, "call_cpu", "floor")
        chunk_floor = fig(name, "chunk_cpu", "floor")
        checks.append(
            _check(
                name,
                f"CPU per call <= {call_x}x {floor_text}",
                fig(name, "call_cpu"),
                call_floor * call_x if call_floor is not None else None,
                ms,
            )
        )
        checks.append(
            _check(
                name,
                f"CPU per chunk <= {chunk_x}x {floor_text}",
                fig(name, "chunk_cpu"),
                chunk_floor * chunk_x if chunk_floor is not None else None,
                us,
            )
        )
    for name, base_label in (("lc_ours", "langchain-core"), ("li_ours", "llama-index-core")):
        imp = derived.get(name, {}).get("import") or {}
        increment = (imp.get("increment_cpu") or {}).get("median")
        checks.append(
            _check(
                name,
                f"import CPU on top of {base_label} <= 0.05 s",
                increment,
                0.05 if increment is not None else None,
                sec,
            )
        )
    config = results["config"]
    # Each of ours against the aiohttp-based official package of its kind: the SDK for
    # the core, and the official integration (on that SDK) for each framework adapter,
    # so the framework's own async cost is on both sides.
    references = {
        "core": ("azure_sdk", "official SDK"),
        "lc_ours": ("lc_azure_ai", "langchain-azure-ai"),
        "li_ours": ("li_azure", "llama-index-llms-azure-inference"),
    }
    for variant in BURSTS:
        for name, (reference, reference_label) in references.items():
            ref = derived.get(reference, {}).get(variant) or {}
            ref_wall = ref.get("wall", {}).get("median") if "wall" in ref else None
            where = (
                f" at {config['latency_ms']} ms model latency" if variant == "burst_latency" else ""
            )
            title = f"burst of {config['burst']}{where}: no errors, wall <= {reference_label}"
            burst = derived.get(name, {}).get(variant) or {}
            wall = burst.get("wall", {}).get("median") if "wall" in burst else None
            check = _check(name, title, wall, ref_wall, sec)
            if check["verdict"] == "PASS" and burst.get("errors"):
                check["verdict"] = "MISS"
            if wall is not None and burst.get("errors"):
                check["measured"] += f", {burst['errors']} errors"
            checks.append(check)
    return checks


# -- markdown -------------------------------------------------------------------


def _streams(cfg: dict[str, Any]) -> str:
    n = int(cfg.get("streams", 1))
    return "one stream" if n == 1 else f"{n} streams"


def _fmt(value: dict[str, Any] | None, scale: float, digits: int, spread: bool = True) -> str:
    if not isinstance(value, dict):
        return "-"
    if "median" not in value:
        return "error" if value.get("error") else "-"
    text = f"{value['median'] * scale:.{digits}f}"
    if spread and value.get("n", 1) > 1:
        text += f" ({value['min'] * scale:.{digits}f}-{value['max'] * scale:.{digits}f})"
    return text


def _x(value: dict[str, Any] | None) -> str:
    if not isinstance(value, dict) or value.get("ratio") is None:
        return "-"
    return f"{value['ratio']:.2f}x"


def _import_cell(imp: dict[str, Any] | None) -> str:
    if not imp or "cpu" not in imp:
        return "error" if imp and imp.get("error") else "-"
    text = f"{imp['cpu']['median'] * 1e3:.0f} ms"
    if imp.get("over_baseline") is not None:
        text += f" ({imp['over_baseline'] * 1e3:+.0f})"
    return text + f", wall {imp['seconds']['median'] * 1e3:.0f} ms"


def _blocked_cell(imp: dict[str, Any] | None) -> str:
    if not imp or not imp.get("cli_blocked_cpu"):
        return "-"
    text = f"{imp['cli_blocked_cpu']['median'] * 1e3:.0f} ms"
    if imp.get("cli_blocked_over_baseline") is not None:
        text += f" ({imp['cli_blocked_over_baseline'] * 1e3:+.0f})"
    modules = imp.get("cli_blocked_modules")
    if modules:
        text += f", {modules['median']:.0f} modules"
    return text


def _increment_cell(imp: dict[str, Any] | None) -> str:
    if not imp or not imp.get("increment_cpu"):
        return "-"
    text = f"+{imp['increment_cpu']['median'] * 1e3:.0f} ms"
    if imp.get("increment_modules"):
        text += f", +{imp['increment_modules']['median']:.0f} modules"
    return text


def _modules_cell(imp: dict[str, Any] | None) -> str:
    if not imp or "modules" not in imp:
        return "-"
    text = f"{imp['modules']['median']:.0f}"
    if imp.get("modules_over_baseline") is not None:
        text += f" ({imp['modules_over_baseline']:+.0f})"
    return text


def markdown(results: dict[str, Any], derived: dict[str, dict[str, Any]], checks: list[Any]) -> str:
    """The results page: machine, headline table, details, budgets, what could not run."""
    m = results["machine"]
    cfg = results["config"]
    lines = [
        f"# Benchmark results ({'quick smoke run' if cfg['quick'] else 'full run'})",
        "",
        f"- Date: {results['date']} (took {results['seconds']:.0f} s)",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, "
        f"Python {m['python']}, {m['platform']}",
        f"- Load average at start / end: {m['load_at_start'][0]:.2f} / {m['load_at_end'][0]:.2f}",
        f"- Medians of {cfg['repeats']} interleaved rounds, (min-max) in brackets; "
        f"{cfg['calls']} calls per round, {_streams(cfg)} of {cfg['chunks']} chunks per round. "
        "CPU = `time.process_time` of the client process (server in its own process). "
        "`x` = ratio to the floor measured in this run: raw = raw httpx + json; "
        "raw+LC / raw+LI = raw httpx + the framework's own no-I/O cost.",
        "",
        "## Headline",
        "",
        "| client | per call (CPU) | per streamed chunk (CPU) | import (CPU) | modules "
        "| import on top of its framework / httpx | import, httpx CLI blocked |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in derived.values():
        if row.get("error"):
            continue
        call, chunk = row.get("call_cpu"), row.get("chunk_cpu")
        lines.append(
            f"| {row['label']} | {_fmt(call, 1e3, 3, False)} ms ({_x(call)} {row['floor']}) "
            f"| {_fmt(chunk, 1e6, 1, False)} us ({_x(chunk)} {row['floor']}) "
            f"| {_import_cell(row.get('import'))} | {_modules_cell(row.get('import'))} "
            f"| {_increment_cell(row.get('import'))} | {_blocked_cell(row.get('import'))} |"
        )
    lines += [
        "",
        "Import: CPU time (and wall time) of the import statement, median over fresh "
        "interpreters; in brackets the difference to the framework's own import "
        "(the classes each integration subclasses: langchain-core `BaseChatModel` and "
        "`Embeddings`, llama-index-core `FunctionCallingLLM` and `BaseEmbedding`) or to "
        "`import httpx` for plain clients. Modules: entries added to `sys.modules`. httpx "
        "imports its optional CLI (click, rich, pygments) whenever they are installed; they "
        "are installed here, as in most environments, and the import columns measure that; "
        "'httpx CLI blocked' shows an environment without them. 'On top of': the import "
        "timed in an interpreter that has already imported the framework (or httpx), i.e. "
        "what the integration itself adds; the import budget is checked on it.",
        "",
        "## Per call and per chunk",
        "",
        "| client | floor | CPU/call ms | x | wall/call ms | x | CPU/chunk us | x "
        "| CPU/chunk us, 1 HTTP chunk per event | x |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in derived.values():
        if row.get("error"):
            continue
        lines.append(
            f"| {row['label']} | {row['floor']} "
            f"| {_fmt(row.get('call_cpu'), 1e3, 3)} | {_x(row.get('call_cpu'))} "
            f"| {_fmt(row.get('call_wall'), 1e3, 3)} | {_x(row.get('call_wall'))} "
            f"| {_fmt(row.get('chunk_cpu'), 1e6, 1)} | {_x(row.get('chunk_cpu'))} "
            f"| {_fmt(row.get('chunk_cpu_per_event'), 1e6, 1)} "
            f"| {_x(row.get('chunk_cpu_per_event'))} |"
        )
    lines += [
        "",
        "## Streaming: first token and tool calls",
        "",
        f"TTFT: wall time from the call to the first non-empty text of a 20-chunk stream "
        f"(median of {cfg['ttft_samples']} per round); overhead = TTFT minus the floor's. "
        f"Tool stream: two tool calls whose arguments arrive in {cfg['tool_fragments']} "
        "fragments each; CPU per whole stream (request included), and how many tool calls "
        "the user gets back intact.",
        "",
        "| client | TTFT ms | overhead ms | tool stream CPU ms | x | tool calls recovered |",
        "|---|---|---|---|---|---|",
    ]
    for row in derived.values():
        if row.get("error"):
            continue
        overhead = row.get("ttft_overhead")
        lines.append(
            f"| {row['label']} | {_fmt(row.get('ttft'), 1e3, 3)} "
            f"| {'-' if overhead is None else f'{overhead * 1e3:+.3f}'} "
            f"| {_fmt(row.get('tool_stream_cpu'), 1e3, 3)} | {_x(row.get('tool_stream_cpu'))} "
            f"| {row.get('tools_recovered') or '-'} |"
        )
    lines += [
        "",
        "## Async bursts",
        "",
        f"{cfg['burst']} concurrent non-streamed calls on one fresh async client, answered "
        f"at once, and held back {cfg['latency_ms']} ms each (a model's latency, which is "
        "what makes a client's concurrency limit matter). Up to "
        f"{cfg['burst_repeats']} rounds; a contender slower than {cfg['burst_slow']:.0f} s "
        f"is run once; cut off at {cfg['burst_timeout']:.0f} s. Peak connections are "
        "counted by the server.",
        "",
        "| client | wall s | vs SDK | CPU s | errors | peak conns "
        f"| wall s at {cfg['latency_ms']} ms | vs SDK | errors | peak conns |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]

    def burst_cells(burst: dict[str, Any], cpu: bool) -> str:
        if "wall" not in burst:
            cells = ["error" if burst.get("error") else "-", "-"] + (["-"] if cpu else [])
            return " | ".join([*cells, "-", "-"])
        vs = burst.get("vs_sdk")
        cells = [_fmt(burst.get("wall"), 1, 2), "-" if vs is None else f"{vs:.2f}x"]
        if cpu:
            cells.append(_fmt(burst.get("cpu"), 1, 2, False))
        cells += [str(burst.get("errors")), str(burst.get("peak_connections", "-"))]
        return " | ".join(cells)

    for row in derived.values():
        if row.get("error") or row["kind"] == "framework":
            continue
        lines.append(
            f"| {row['label']} | {burst_cells(row.get('burst') or {}, True)} "
            f"| {burst_cells(row.get('burst_latency') or {}, False)} |"
        )
    for variant in BURSTS:
        for row in derived.values():
            error = (row.get(variant) or {}).get("first_error")
            if error:
                lines.append(f"\n- {row['label']}, first error in {variant}: `{error}`")
    lines += [
        "",
        "## Memory per client instance",
        "",
        "Bytes allocated and still held per instance (tracemalloc, "
        f"{cfg['memory_instances']} instances after a warm one): once built, and after each "
        "made one call (its pool, connection, caches).",
        "",
        "| client | KiB built | x | KiB after one call |",
        "|---|---|---|---|",
    ]
    for row in derived.values():
        memory = row.get("memory") or {}
        if row.get("error") or "bytes" not in memory:
            continue
        used = memory.get("used")
        lines.append(
            f"| {row['label']} | {memory['bytes'] / 1024:.1f} | {_x(memory)} "
            f"| {'-' if used is None else f'{used / 1024:.1f}'} |"
        )
    lines += ["", "## Budgets", "", "| contender | budget | measured | limit | verdict |"]
    lines.append("|---|---|---|---|---|")
    for check in checks:
        lines.append(
            f"| {check['contender']} | {check['budget']} | {check['measured'] or '-'} "
            f"| {check['limit'] or '-'} | **{check['verdict']}** |"
        )
    missing = [(row["label"], row["error"]) for row in derived.values() if row.get("error")]
    if missing:
        lines += ["", "## Not measured", ""]
        lines += [f"- {label}: {error}" for label, error in missing]
    late = [
        (info["label"], info["late_error"])
        for info in results["contenders"].values()
        if info.get("late_error")
    ]
    if late:
        lines += ["", "## Stopped part-way", ""]
        lines += [f"- {label}: {error}" for label, error in late]
    checks_failed = [
        (info["label"], {k: v for k, v in info["checks"].items() if v is False})
        for info in results["contenders"].values()
        if info.get("checks") and not all(v is not False for v in info["checks"].values())
    ]
    if checks_failed:
        lines += ["", "## Wrong answers in the warm-up checks", ""]
        for label, failed in checks_failed:
            lines.append(f"- {label}: {', '.join(sorted(failed))} did not match the served answer")
    versions = {
        info["label"]: info["versions"]
        for info in results["contenders"].values()
        if info.get("versions")
    }
    if versions:
        lines += ["", "## Versions", ""]
        for label, found in versions.items():
            lines.append(f"- {label}: " + ", ".join(f"{k} {v}" for k, v in found.items()))
    return "\n".join(lines) + "\n"


# -- plot -----------------------------------------------------------------------

_COLOURS = {"floor": "#9e9e9e", "framework": "#bdbdbd", "ours": "#2e7d32", "official": "#ef6c00"}


def plot(results: dict[str, Any], derived: dict[str, dict[str, Any]], path: Path) -> None:
    """Five panels of horizontal bars (median, min-max whiskers), written as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    panels = [
        ("CPU per call (ms)", "call_cpu", 1e3, False),
        ("CPU per streamed chunk (us, log)", "chunk_cpu", 1e6, True),
        (f"burst of {results['config']['burst']}: wall (s, log)", "burst", 1.0, True),
        (
            f"... at {results['config']['latency_ms']} ms latency (s, log)",
            "burst_latency",
            1.0,
            True,
        ),
        ("import, CPU (s)", "import", 1.0, False),
    ]
    rows = [r for r in derived.values() if not r.get("error")]
    fig, axes = plt.subplots(1, 5, figsize=(22, 0.45 * len(rows) + 2.2), sharey=True)
    labels = [r["label"] for r in rows]
    for ax, (title, key, scale, log) in zip(axes, panels, strict=True):
        values, lows, highs, colours = [], [], [], []
        for row in rows:
            value = row.get(key)
            if key in BURSTS:
                value = (value or {}).get("wall")
            if key == "import":
                value = (value or {}).get("cpu")
            if isinstance(value, dict) and "median" in value:
                med = value["median"] * scale
                values.append(med)
                lows.append(med - value["min"] * scale)
                highs.append(value["max"] * scale - med)
            else:
                values.append(math.nan)
                lows.append(0.0)
                highs.append(0.0)
            colours.append(_COLOURS[row["kind"]])
        ys = list(range(len(rows)))
        ax.barh(ys, values, xerr=[lows, highs], color=colours, capsize=2)
        ax.set_title(title, fontsize=10)
        if log:
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.grid(axis="x", alpha=0.3)
        for y, v, high in zip(ys, values, highs, strict=True):
            if not math.isnan(v):
                ax.text(v + high, y, f" {v:.3g}", va="center", fontsize=7)
    axes[0].set_yticks(range(len(rows)))
    axes[0].set_yticklabels(labels, fontsize=8)
    axes[0].invert_yaxis()
    m = results["machine"]
    fig.suptitle(
        f"Client cost, loopback server, {results['date']} - {m['cpu']}, {m['cores']} cores, "
        f"Python {m['python']} (grey: floors, green: ours, orange: official)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_all(results: dict[str, Any], out_dir: Path) -> tuple[str, list[dict[str, Any]]]:
    """Write latest.json / latest.md / latest.png; return the markdown and the budget checks."""
    out_dir.mkdir(parents=True, exist_ok=True)
    derived = derive(results)
    checks = budgets(results, derived)
    results = {**results, "derived": derived, "budgets": checks}
    (out_dir / "latest.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    text = markdown(results, derived, checks)
    (out_dir / "latest.md").write_text(text)
    plot(results, derived, out_dir / "latest.png")
    return text, checks


START, END = "<!-- results:start -->", "<!-- results:end -->"


def embed(results_md: str, doc: str) -> str:
    """``doc`` with the text between its results markers replaced by ``results_md``.

    The results' own title line is dropped and their headings go one level
    down, so they sit under the document's "Latest results" heading.

    Raises:
        ValueError: ``doc`` lacks the markers, or ``results_md`` is from a quick run.
    """
    if "(quick smoke run)" in results_md.split("\n", 1)[0]:
        raise ValueError("refusing to publish a --quick run; run `make bench` first")
    head, sep1, rest = doc.partition(START)
    _, sep2, tail = rest.partition(END)
    if not (sep1 and sep2):
        raise ValueError(f"the document has no {START} ... {END} block")
    lines = results_md.strip().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    body = "\n".join("#" + line if line.startswith("## ") else line for line in lines).strip()
    return f"{head}{START}\n{body}\n{END}{tail}"
