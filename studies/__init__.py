"""Research built on the suite, importable and run as ``python -m studies.<name>``: the model
zoo (``train_zoo``), the validity study of the pair protocols (``validity_study``), the
StaticDropout and bias-over-training studies, the style measurements (``measure_styles``,
``measure_styles_real``, ``style_clips``, ``style_protocol_change``, ``protocol_fidelity``),
the AVOS design study (``avos_study``), the small references they train
(``small_references``) and the reproduction of Kowal et al. (``reproduce_kowal2022``).
``scripts/`` keeps only maintenance entry points."""
