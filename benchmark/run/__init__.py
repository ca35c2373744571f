"""Running a submission: the four stages, curves over checkpoints, reproduction, and what keeps a run
safe (output policy, checkpoints, signals, the tripwire), its precision and its distribution."""
