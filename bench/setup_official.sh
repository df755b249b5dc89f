#!/usr/bin/env bash
# Builds .venv-bench: the official packages we compare against, kept out of the
# project's own environment (they are never a dependency of this project).
# Usage: bash bench/setup_official.sh [VENV_DIR]   (default: .venv-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV_DIR="${1:-.venv-bench}"
UV=".venv-tools/bin/uv"  # the pinned uv make setup installs
if [ ! -x "$UV" ]; then
    UV="$(command -v uv || true)"
fi
if [ -z "$UV" ]; then
    echo "setup_official.sh: uv not found (run 'make setup' first)" >&2
    exit 2
fi
PYTHON_BIN="${BENCH_PYTHON:-$(readlink -f .venv/bin/python)}"
if [ ! -x "$VENV_DIR/bin/python" ]; then
    "$UV" venv --quiet --python "$PYTHON_BIN" "$VENV_DIR"
fi
# Pinned to the versions read in shared/reference/anchors.md, so the figures
# compare like with like from one run to the next.
"$UV" pip install --quiet --python "$VENV_DIR/bin/python" \
    "azure-ai-inference==1.0.0b9" \
    "aiohttp>=3.10" \
    "langchain-azure-ai[v1]==1.2.12" \
    "langchain-openai>=1.0,<2" \
    "llama-index-llms-azure-inference==0.8.0" \
    "psutil" \
    "rich" "click" "pygments"  # the import probe measures where httpx's CLI can load, as users have
touch "$VENV_DIR/.bench-installed"
echo "setup_official.sh: $VENV_DIR ready"
