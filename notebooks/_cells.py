"""Building blocks for the notebook sources: cells, notebooks, execution.

Cells get stable ids (derived from their tag or position) so that rebuilding an
unchanged source gives a byte-identical file, which is what lets a test check
that the committed notebooks match their sources.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

__all__ = ["NOTEBOOK_DIR", "Cell", "NotebookSpec", "code", "execute", "md", "render"]

NOTEBOOK_DIR = Path(__file__).resolve().parent

_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
_LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}
_ID_OK = re.compile(r"[^a-zA-Z0-9_-]+")


@dataclass(frozen=True)
class Cell:
    """One cell: ``kind`` is ``markdown`` or ``code``; ``tag`` names it for the tests."""

    kind: str
    source: str
    tag: str | None = None


def md(source: str) -> Cell:
    """A markdown cell (the text is dedented and stripped)."""
    return Cell("markdown", textwrap.dedent(source).strip())


def code(source: str, tag: str | None = None) -> Cell:
    """A code cell; ``tag`` goes into the cell's metadata tags and its id."""
    return Cell("code", textwrap.dedent(source).strip(), tag)


@dataclass(frozen=True)
class NotebookSpec:
    """A notebook: its file name, cells and a one-line summary (for the README)."""

    filename: str
    summary: str
    cells: list[Cell] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return NOTEBOOK_DIR / self.filename


def render(spec: NotebookSpec) -> NotebookNode:
    """Build the clean (output-free) notebook for ``spec``."""
    nb: NotebookNode = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    nb.metadata = {"kernelspec": dict(_KERNELSPEC), "language_info": dict(_LANGUAGE_INFO)}
    stem = _ID_OK.sub("-", Path(spec.filename).stem)[:20]
    seen: set[str] = set()
    for index, cell in enumerate(spec.cells):
        cell_id = f"{stem}-{cell.tag or index}"[:64]
        if cell_id in seen:
            raise ValueError(f"{spec.filename}: duplicate cell tag {cell.tag!r}")
        seen.add(cell_id)
        if cell.kind == "markdown":
            node = nbformat.v4.new_markdown_cell(cell.source, id=cell_id)  # type: ignore[no-untyped-call]
        elif cell.kind == "code":
            node = nbformat.v4.new_code_cell(cell.source, id=cell_id)  # type: ignore[no-untyped-call]
            if cell.tag:
                node.metadata["tags"] = [cell.tag]
        else:
            raise ValueError(f"{spec.filename}: unknown cell kind {cell.kind!r}")
        nb.cells.append(node)
    nbformat.validate(nb)
    return nb


def execute(
    nb: NotebookNode,
    *,
    cwd: Path = NOTEBOOK_DIR,
    timeout: int = 60,
    env: dict[str, str] | None = None,
) -> NotebookNode:
    """Run ``nb`` top to bottom in a fresh ``python3`` kernel; outputs are written into ``nb``.

    ``python3`` resolves to the running interpreter's ipykernel (jupyter_client
    replaces the kernelspec's ``python`` with ``sys.executable``), so the kernel
    sees the same packages as the caller.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell raised; the message holds the traceback.
    """
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
    )
    extra: dict[str, Any] = {} if env is None else {"env": env}
    client.execute(**extra)
    return nb


def framework_setup(intro_model: str = "Mistral-Large") -> Cell:
    """The first code cell of the framework notebooks: your endpoint, or the emulator.

    The emulator's Foundry-style ``/models`` route serves every built-in profile,
    the body ``model`` picking one, so one local endpoint stands in for a chat
    model with tools, an embeddings model and a vision model.
    """
    return code(
        f"""
        import os

        from azure_inference_emulator import Emulator

        if os.environ.get("AZURE_INFERENCE_ENDPOINT"):
            emulator = None
            endpoint = os.environ["AZURE_INFERENCE_ENDPOINT"]
            credential = os.environ.get("AZURE_INFERENCE_CREDENTIAL")  # None: Entra ID
            chat_model = os.environ.get("AZURE_INFERENCE_CHAT_MODEL")
            embeddings_endpoint = os.environ.get("AZURE_INFERENCE_EMBEDDINGS_ENDPOINT", endpoint)
            embeddings_model = os.environ.get("AZURE_INFERENCE_EMBEDDINGS_MODEL")
            vision_endpoint = os.environ.get("AZURE_INFERENCE_VISION_ENDPOINT", endpoint)
            vision_model = os.environ.get("AZURE_INFERENCE_VISION_MODEL")
        else:
            emulator = Emulator("{intro_model}", key="emulator-key", seed=7).start()
            emulator.wait_started()
            endpoint = embeddings_endpoint = vision_endpoint = emulator.foundry_endpoint
            credential = "emulator-key"
            chat_model = "{intro_model}"
            embeddings_model = "Cohere-embed-v3-english"
            vision_model = "Phi-3-vision-128k-Instruct"

        print("endpoint:", endpoint, "(local emulator)" if emulator else "")
        print("models:", chat_model, "|", embeddings_model, "|", vision_model)
        """,
        tag="setup",
    )


def image_cell() -> Cell:
    """A code cell drawing a small PNG in code (no file, no download) and showing it."""
    return code(
        r'''
        import base64
        import struct
        import zlib

        from IPython.display import Image, display


        def gradient_png(width: int = 64, height: int = 48) -> bytes:
            """A blue-to-white gradient as PNG bytes: signature, header, compressed pixel rows."""
            pixel_rows = [bytes((40 + 4 * y, 120 + 2 * y, 230)) * width for y in range(height)]
            rows = b"".join(b"\x00" + row for row in pixel_rows)  # filter type 0 (none) per row

            def chunk(kind: bytes, data: bytes) -> bytes:
                crc = struct.pack(">I", zlib.crc32(kind + data))
                return struct.pack(">I", len(data)) + kind + data + crc

            header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
            return (
                b"\x89PNG\r\n\x1a\n"
                + chunk(b"IHDR", header)
                + chunk(b"IDAT", zlib.compress(rows))
                + chunk(b"IEND", b"")
            )


        image_bytes = gradient_png()
        image_b64 = base64.b64encode(image_bytes).decode()
        display(Image(image_bytes))
        ''',
        tag="image-make",
    )
