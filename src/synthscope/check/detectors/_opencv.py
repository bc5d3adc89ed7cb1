"""OpenCV for the detectors, imported once and set to one thread per process.

Detectors are built for throughput: files are checked in parallel (worker processes in the
benchmarks and batch scripts, job threads in the service), and the ONNX sessions already run one
thread each. OpenCV's own thread pool on top of that only adds hand-over costs: on the 2-core
machine a Haar face search took 7.8 CPU ms with two threads and 6.3 with one.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType


@cache
def opencv() -> ModuleType:
    """The ``cv2`` module, with OpenCV's thread pool set to one thread (once per process)."""
    import cv2

    cv2.setNumThreads(1)
    return cv2
