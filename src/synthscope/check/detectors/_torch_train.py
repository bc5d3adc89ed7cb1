"""What the detectors' PyTorch training shares (the ``train`` extra; never imported at check time):
torch with one thread and a fixed seed, and the ONNX export with the calibration in the metadata."""

from __future__ import annotations

import importlib
import io
import json
from typing import Any

from synthscope.errors import UsageError


def require_torch(detector: str) -> Any:
    """The ``torch`` module, set to one thread and seed 0.

    Raises:
        UsageError: PyTorch is not installed.
    """
    try:
        import torch
    except ImportError as exc:
        raise UsageError(
            f"Training {detector} needs PyTorch: pip install 'synthscope[train]'.",
            zh=f"训练 {detector} 需要 PyTorch：pip install 'synthscope[train]'。",
        ) from exc
    torch.set_num_threads(1)
    torch.manual_seed(0)
    return torch


def train_step(net: Any, opt: Any, sched: Any, loss_fn: Any, x: Any, y: Any) -> Any:
    """One optimiser step of ``net`` (one logit per row) on numpy inputs ``x`` and targets
    ``y``; ``sched`` steps until its last step. Returns the loss tensor."""
    torch = importlib.import_module("torch")
    opt.zero_grad()
    loss = loss_fn(net(torch.from_numpy(x))[:, 0], torch.from_numpy(y))
    loss.backward()
    opt.step()
    if sched.last_epoch < sched.total_steps - 1:
        sched.step()
    return loss


def export_calibrated(
    net: Any,
    example: tuple[int, ...],
    input_name: str,
    calibration: dict[str, float],
    dynamic: dict[int, str] | None = None,
) -> bytes:
    """``net`` as ONNX bytes: one input ``input_name`` shaped like ``example`` (axes in
    ``dynamic`` free, the batch axis always), output ``logit``, and ``calibration`` (Platt a, b
    and the threshold) in the metadata under ``synthscope.calibration``."""
    import onnx

    torch: Any = importlib.import_module("torch")  # typed as Any: torch is optional
    buf = io.BytesIO()
    torch.onnx.export(
        net,
        (torch.zeros(*example),),
        buf,
        input_names=[input_name],
        output_names=["logit"],
        dynamic_axes={input_name: {0: "n", **(dynamic or {})}, "logit": {0: "n"}},
        dynamo=False,
        opset_version=17,
    )
    model = onnx.load_from_string(buf.getvalue())
    entry = model.metadata_props.add()
    entry.key, entry.value = "synthscope.calibration", json.dumps(calibration)
    return bytes(model.SerializeToString())
