"""Checking content: provenance labels, known-content hash banks, detectors."""
