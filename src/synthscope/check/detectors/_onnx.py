"""Loading a shipped ONNX model with onnxruntime, and the calibration stored in its metadata."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synthscope.errors import InputError


def load_session(data: bytes | None, path: Path) -> tuple[Any, dict[str, float]]:
    """A one-thread CPU session for ``data`` (or the file at ``path``) and its calibration.

    Raises:
        InputError: the file is missing or is not a model with a calibration entry.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        session = onnxruntime.InferenceSession(
            data if data is not None else path.read_bytes(),
            options,
            providers=["CPUExecutionProvider"],
        )
        meta = session.get_modelmeta().custom_metadata_map
        calibration = json.loads(meta["synthscope.calibration"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise InputError(
            f"Cannot load the model file {path}.", zh=f"无法加载模型文件 {path}。"
        ) from exc
    return session, calibration
