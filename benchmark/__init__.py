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
# The newest pair-protocol version; each protocol records the version its construction
# last changed in (benchmark.pairs: ``true`` 2, ``stylize`` 3, ``kowal2022`` 2).
# 2: styles render (and normalise over) only the frames the model sees;
# 3: ``stylize`` is the calibrated appearance bank with a frozen static partner
#    (docs/protocol_v3.md); version 2's construction is ``kowal2022``.
PROTOCOL_VERSION = "3"
