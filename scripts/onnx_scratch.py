"""A scratch working directory for ONNX tools that drop temporary files into the current one.

onnxruntime's symbolic shape inference (run by `quant_pre_process` and the quantizers) saves
`sym_shape_infer_temp.onnx` plus a `<uuid>.data` external-data file into the *current* directory
when it cannot infer every shape, and never removes them: run from the repository root, they
end up committed (90 MB did once). Export code runs those tools inside `scratch_cwd()`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def scratch_cwd(prefix: str = "onnx-export.") -> Iterator[Path]:
    """Change into a new temporary directory for the block, then back, and delete it with all
    it holds. Yields the directory's absolute path. Paths the block uses must be absolute (or
    resolved before entering), since relative ones now point into the scratch directory."""
    before = Path.cwd()
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(before)
