"""Import time and modules loaded, each in a fresh interpreter.

The clocks start after the interpreter is up, so Python's own start-up is not
counted; the module count is ``len(sys.modules)`` after minus before. Both
wall time and CPU time (``time.process_time``) are kept: on a shared machine
the wall time also counts waiting for a core, the CPU time does not, so the
budgets use CPU time. One unmeasured run first writes the bytecode caches
(skipped with ``warm=False``), so every measured run reads them like a user's
second run does; the harness points ``PYTHONPYCACHEPREFIX`` at a private tree
so this works even where ``PYTHONDONTWRITEBYTECODE`` is set.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Collection, Mapping

from ._measure import summarise
from .contenders import IMPORTS, ImportTarget

__all__ = ["measure_imports"]

# httpx imports its optional command-line client (click, rich, pygments) whenever
# those are installed, as they are in most environments (and in this dev one). The
# primary probe measures that environment as it is, and refuses to run without them,
# so the budgets hold where users are; the second figure blocks ``httpx._main`` (as if
# they were missing), for every target alike.
_BLOCK_HTTPX_CLI = "sys.modules.setdefault('httpx._main', None)"
_REQUIRE_CLI_DEPS = (
    "import importlib.util\n"
    "missing = [m for m in ('rich', 'click', 'pygments') if importlib.util.find_spec(m) is None]\n"
    "assert not missing, f'the import benchmark needs {missing} installed'"
)

_PROBE = """
import json, sys, time
{prelude}
{baseline}
before = len(sys.modules)
cpu, start = time.process_time(), time.perf_counter()
{statement}
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({{"seconds": seconds, "cpu": cpu, "modules": len(sys.modules) - before}}))
"""


def _once(
    python: str,
    target: ImportTarget,
    env: Mapping[str, str],
    cwd: str,
    *,
    block_cli: bool = False,
    after: str = "",
) -> dict[str, float]:
    prelude = _BLOCK_HTTPX_CLI if block_cli else _REQUIRE_CLI_DEPS
    probe = _PROBE.format(statement=target.statement, prelude=prelude, baseline=after)
    done = subprocess.run(
        [python, "-c", probe],
        capture_output=True,
        text=True,
        env=dict(env),
        cwd=cwd,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(last)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure_imports(
    pythons: Mapping[str, str | None],
    repeats: int,
    env: Mapping[str, str],
    cwd: str,
    log: Callable[[str], None] = print,
    warm: bool = True,
    only: Collection[str] | None = None,
    cli_blocked: bool = True,
) -> dict[str, dict[str, object]]:
    """Time every import target whose environment is available.

    Args:
        pythons: interpreter path per environment name (``None``: unavailable).
        repeats: measured runs per target (after one warm-up run).
        env: environment variables for the probes.
        cwd: working directory (the repository root, so the project imports).
        log: progress printer.
        warm: run each import once, unmeasured, before the measured runs.
        only: import target names to time (default: all of them).
        cli_blocked: also time each import with httpx's CLI blocked.

    Returns:
        Per target name: label, env, baseline, and either ``seconds`` /
        ``modules`` summaries or an ``error`` saying why it could not run.
    """
    results: dict[str, dict[str, object]] = {}
    for target in IMPORTS:
        if only is not None and target.name not in only:
            continue
        row: dict[str, object] = {
            "label": target.label,
            "env": target.env,
            "baseline": target.baseline,
            "statement": target.statement,
        }
        python = pythons.get(target.env)
        if python is None:
            row["error"] = f"environment {target.env!r} unavailable"
            results[target.name] = row
            continue
        try:
            if warm:
                _once(python, target, env, cwd)
            runs = [_once(python, target, env, cwd) for _ in range(repeats)]
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            row["error"] = str(exc)
            log(f"  import {target.name}: FAILED ({exc})")
            results[target.name] = row
            continue
        row["seconds"] = summarise([r["seconds"] for r in runs])
        row["cpu"] = summarise([r["cpu"] for r in runs])
        row["modules"] = summarise([r["modules"] for r in runs])
        if cli_blocked:
            try:
                installed = [
                    _once(python, target, env, cwd, block_cli=True)
                    for _ in range(max(1, repeats - 2))
                ]
                row["cli_blocked_cpu"] = summarise([r["cpu"] for r in installed])
                row["cli_blocked_modules"] = summarise([r["modules"] for r in installed])
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                row["cli_blocked_error"] = str(exc)
        base = next((t for t in IMPORTS if t.name == target.baseline), None)
        if base is not None:
            # The adapter's own cost: its import timed after the framework's, in one
            # interpreter (far less noisy than the difference of two big totals).
            try:
                extra = [
                    _once(python, target, env, cwd, after=base.statement) for _ in range(repeats)
                ]
                row["increment_cpu"] = summarise([r["cpu"] for r in extra])
                row["increment_modules"] = summarise([r["modules"] for r in extra])
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                row["increment_error"] = str(exc)
        results[target.name] = row
        log(
            f"  import {target.name}: {row['cpu']['median'] * 1000:.0f} ms CPU, "  # type: ignore[index]
            f"{row['seconds']['median'] * 1000:.0f} ms wall, "  # type: ignore[index]
            f"{row['modules']['median']:.0f} modules"  # type: ignore[index]
        )
    return results


def main(argv: list[str] | None = None) -> int:
    """``python -m bench._imports``: only the import part of the bench, as a table.

    Exits 1 when an adapter's increment (median CPU over its framework floor) is above
    the 0.05 s budget, as the full bench would report it.
    """
    import argparse

    from ._orchestrate import ROOT, clean_env, main_python

    parser = argparse.ArgumentParser(prog="python -m bench._imports", description=main.__doc__)
    parser.add_argument("--repeats", type=int, default=9, help="fresh interpreters per row")
    parser.add_argument("--only", default=None, help="comma-separated import target names")
    args = parser.parse_args(argv)
    only = {n.strip() for n in args.only.split(",")} if args.only else None
    if only is not None:
        only |= {t.baseline for t in IMPORTS if t.name in only and t.baseline}
    results = measure_imports(
        {"main": main_python(), "bench": None},
        args.repeats,
        clean_env(),
        str(ROOT),
        log=lambda message: print(message, flush=True),
        only=only if only is not None else {t.name for t in IMPORTS if t.env == "main"},
        cli_blocked=False,
    )
    over = []
    print(f"\n{'target':18} {'CPU median':>10} {'increment median (min)':>24}")
    for name, row in results.items():
        if "error" in row:
            print(f"{name:18} {row['error']}")
            continue
        line = f"{name:18} {row['cpu']['median'] * 1e3:8.0f} ms"  # type: ignore[index]
        increment = row.get("increment_cpu")
        if increment is not None:
            median, least = increment["median"], increment["min"]  # type: ignore[index]
            line += f" {median * 1e3:+15.1f} ms ({least * 1e3:+.1f})"
            if name in ("lc_ours", "li_ours") and median > 0.05:
                over.append(name)
        print(line)
    if over:
        print(f"over the 0.05 s import budget: {', '.join(over)}")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
