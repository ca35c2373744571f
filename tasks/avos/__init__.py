"""Unsupervised video object segmentation (AVOS): frame + optical flow in, mask out.

Modules, one job each: ``flow_colour`` (Middlebury colour wheel, static-pair jitter),
``flow`` (OpenCV flow, on-disk cache, precomputed flow folders), ``samples`` (the
per-frame sample), ``datasets`` (DAVIS 2016, MoCA-Mask, synthetic AVOS worlds),
``metrics`` (J, F, recall, J&F), ``models`` (the two-stream reference family), ``pairs``
(true / stylize protocols), ``inputs`` (samples -> ``[rgb, flow]`` tensors),
``evaluation`` (J&F clean and with the motion input perturbed), ``adapter``
(:class:`~tasks.avos.adapter.AvosTask`), ``train`` (reference training); the design-study
table is ``studies/avos_study.py``. Tiny DAVIS/MoCA trees for tests: ``tests/fixtures/avos_datasets.py``.
"""
