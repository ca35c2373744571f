"""Motion-bias benchmark: how much static vs dynamic information a video model encodes.

Data flows clip -> pair -> probe -> estimator -> result -> leaderboard:

- ``tasks``: datasets, synthetic worlds, task adapters and reference models;
- ``benchmark.pairs.protocols``: dynamic and static pairs of clips (METHOD.md §1);
- ``benchmark.measure.probe``: forward hooks pooling every declared layer in one pass (§2);
- ``benchmark.measure.estimator``: streaming, mergeable static/dynamic statistics (§3-§5);
- ``benchmark.results.schema``: the validated result file;
- ``benchmark.board.markdown``: the ranked markdown table built from result files alone.
"""

__version__ = "0.2.0"
SUITE_VERSION = __version__
PROTOCOL_VERSION = "2"  # 2: styles render (and normalise over) only the frames the model sees
