"""Shipped ONNX models with their Platt calibration, run by onnxruntime (one thread).

Trainable neural detectors export their network with ``synthscope.calibration`` (Platt ``a``,
``b`` and the ``threshold``) in the ONNX metadata, so one file is the whole model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._linear import write_atomic
from synthscope.errors import InputError


class CalibratedOnnx:
    """An onnxruntime session over ONNX bytes or a file, and the calibration it carries."""

    def __init__(self, source: Path | bytes) -> None:
        self.source = source
        self._session: Any = None
        self.calibration: dict[str, float] = {}

    def session(self) -> Any:
        """The inference session (created on first use).

        Raises:
            InputError: the model file cannot be read or is not a valid model.
        """
        if self._session is None:
            data = self.source if isinstance(self.source, bytes) else None
            path = self.source if isinstance(self.source, Path) else Path("<memory>")
            self._session, self.calibration = load_session(data, path)
        return self._session

    def logits(self, inputs: NDArray[np.float32]) -> NDArray[np.float32]:
        """The network's first output, one logit per input row."""
        session = self.session()
        name = session.get_inputs()[0].name
        return np.asarray(session.run(None, {name: inputs})[0][:, 0], np.float32)

    def proba(self, logit: NDArray[Any] | float) -> NDArray[np.float64]:
        """Calibrated probabilities of ``logit`` values."""
        self.session()
        a, b = self.calibration["platt_a"], self.calibration["platt_b"]
        return np.asarray(1 / (1 + np.exp(-(a * np.asarray(logit, np.float64) + b))))

    def save(self, path: Path) -> None:
        """Write the model (bytes or a copy of its file) to ``path`` atomically."""
        source = self.source
        write_atomic(path, source if isinstance(source, bytes) else source.read_bytes())

    @property
    def threshold(self) -> float:
        """The calibrated score at or above which the model calls its input synthetic."""
        self.session()
        return float(self.calibration["threshold"])


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
