"""Write the notebooks from their sources; optionally execute them in place.

Usage (from the repository root)::

    .venv/bin/python -m notebooks._build            # write clean notebooks (no outputs)
    .venv/bin/python -m notebooks._build --execute  # write, then run each in place (outputs saved)
    .venv/bin/python -m notebooks._build --check    # exit 1 if a committed file is out of date

Executed notebooks run against the local emulator unless ``AZURE_INFERENCE_ENDPOINT``
is set. Commit them clean: run the command without ``--execute`` before committing.
"""

from __future__ import annotations

import argparse
import sys
import time

import nbformat

from ._cells import NotebookSpec, execute, render
from ._nb01_quickstart import NOTEBOOK as NB01
from ._nb02_langchain import NOTEBOOK as NB02
from ._nb03_llamaindex import NOTEBOOK as NB03
from ._nb04_production import NOTEBOOK as NB04

__all__ = ["NOTEBOOKS", "main", "serialized"]

NOTEBOOKS: tuple[NotebookSpec, ...] = (NB01, NB02, NB03, NB04)


def serialized(spec: NotebookSpec) -> str:
    """The exact text of the clean ``.ipynb`` file for ``spec``."""
    text: str = nbformat.writes(render(spec))  # type: ignore[no-untyped-call]
    return text + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m notebooks._build", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--execute", action="store_true", help="run each notebook in place")
    mode.add_argument("--check", action="store_true", help="fail if a file is out of date")
    parser.add_argument("names", nargs="*", help="only these notebooks (file name prefixes)")
    args = parser.parse_args(argv)

    chosen = [s for s in NOTEBOOKS if not args.names or s.filename.startswith(tuple(args.names))]
    if not chosen:
        parser.error(f"no notebook matches {args.names}")
    stale = []
    for spec in chosen:
        text = serialized(spec)
        if args.check:
            if not spec.path.exists() or spec.path.read_text(encoding="utf-8") != text:
                stale.append(spec.filename)
            continue
        spec.path.write_text(text, encoding="utf-8")
        if args.execute:
            started = time.perf_counter()
            nb = execute(nbformat.reads(text, as_version=4), timeout=120)  # type: ignore[no-untyped-call]
            executed: str = nbformat.writes(nb)  # type: ignore[no-untyped-call]
            spec.path.write_text(executed + "\n", encoding="utf-8")
            print(f"executed {spec.filename} in {time.perf_counter() - started:.1f} s")
        else:
            print(f"wrote {spec.filename}")
    if stale:
        print("out of date (run `python -m notebooks._build`):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
