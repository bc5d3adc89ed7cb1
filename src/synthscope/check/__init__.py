"""Check: provenance labels, hash matches and detectors turned into one verdict per file."""
