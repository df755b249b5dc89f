"""``python -m bench``: the side-by-side benchmark (see docs/benchmarks.md).

Options:
    --quick            smoke run: tiny counts, no install of .venv-bench (seconds per contender)
    --only A,B         only these contenders (the floors always run: ratios need them)
    --no-official      skip the official packages in .venv-bench
    --no-install       do not create .venv-bench when it is missing
    --profile A,B      instead of measuring, cProfile these contenders' call, stream and
                       tool-stream scenarios into bench/results/profiles/
    --out DIR          where to write latest.{md,json,png} (default bench/results,
                       or bench/results/quick for --quick)
    --publish          measure nothing: copy bench/results/latest.md into
                       docs/benchmarks.md (between its results markers)
    --no-telemetry     skip the OpenTelemetry cost run (bench/bench_telemetry.py), which
                       otherwise follows and writes telemetry.txt next to latest.md

After the contenders, the Responses API's bench (bench/bench_responses.py: the
core and both adapters with use_responses_api=True) runs with the same sizes and
its table is appended to latest.md.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from ._orchestrate import RESULTS, ROOT, Config, profile, run
from ._report import embed, write_all
from .contenders import CONTENDERS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run (seconds per contender)")
    parser.add_argument("--only", default=None, help="comma-separated contender names")
    parser.add_argument("--no-official", action="store_true", help="skip .venv-bench contenders")
    parser.add_argument("--no-install", action="store_true", help="never create .venv-bench")
    parser.add_argument("--profile", default=None, help="comma-separated contenders to profile")
    parser.add_argument("--out", type=Path, default=None, help="output directory")
    parser.add_argument("--publish", action="store_true", help="copy results into the docs")
    parser.add_argument("--no-telemetry", action="store_true", help="skip the OpenTelemetry run")
    args = parser.parse_args(argv)
    if args.publish:
        doc = ROOT / "docs" / "benchmarks.md"
        try:
            doc.write_text(embed((RESULTS / "latest.md").read_text(), doc.read_text()))
        except (OSError, ValueError) as exc:
            parser.error(str(exc))
        print(f"updated {doc}")
        return 0
    # A plain `kill` must still stop the workers and the server (cleanup in `run`).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    names = None
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        known = {s.name for s in CONTENDERS}
        unknown = sorted(set(names) - known)
        if unknown:
            parser.error(f"unknown contender(s) {unknown}; known: {sorted(known)}")
    config = Config.smoke() if args.quick else Config.full()
    if args.profile:
        targets = [n.strip() for n in args.profile.split(",") if n.strip()]
        unknown = sorted(set(targets) - {s.name for s in CONTENDERS})
        if unknown:
            parser.error(f"unknown contender(s) {unknown}")
        profile(targets, config, log=lambda m: print(m, file=sys.stderr, flush=True))
        return 0
    out = args.out or (RESULTS / "quick" if args.quick else RESULTS)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    results = run(
        config,
        names=names,
        official=not args.no_official,
        install_official=not (args.no_install or args.quick),
        log=log,
    )
    text, checks = write_all(results, out)
    if names is None or {"core", "lc_ours", "li_ours"} & set(names):
        # The Responses API: its own loopback server, core and both adapters (Config sizes).
        log("measuring the Responses API (bench/bench_responses.py)")
        from .bench_responses import section

        responses = section(config.calls, config.streams, config.repeats)
        text = f"{text.rstrip()}\n\n{responses}"
        (out / "latest.md").write_text(text)
        checks = checks + [
            {"verdict": "MISS" if "MISSED" in line else "PASS", "contender": "responses",
             "budget": " ".join(line.split())}
            for line in responses.splitlines()
            if "<=" in line
        ]  # fmt: skip
    print(text)
    print(f"written: {out / 'latest.md'}, {out / 'latest.json'}, {out / 'latest.png'}")
    for check in checks:
        print(f"{check['verdict']:4}  {check['contender']:8} {check['budget']}", file=sys.stderr)
    if not (args.no_telemetry or args.only):
        from . import bench_telemetry

        log("measuring what OpenTelemetry costs (bench/bench_telemetry.py)")
        small = ["--rounds", "2", "--calls", "20", "--streams", "1"] if args.quick else []
        (out / "telemetry.txt").write_text(bench_telemetry.main(small) + "\n")
        print(f"written: {out / 'telemetry.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
