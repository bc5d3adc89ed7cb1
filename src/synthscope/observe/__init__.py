"""Observe: collect, deduplicate, classify, measure and report deep-synthesis trends."""
