"""Measuring a model: the layer probe, the streaming static/dynamic estimator and its factors, FLOPs."""
