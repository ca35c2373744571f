"""A submission: its manifest, loading its model and pinned weights, importing published weights."""
