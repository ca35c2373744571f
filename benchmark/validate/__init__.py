"""Checking a submission and its results without running anything."""
