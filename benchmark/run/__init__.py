"""Running a submission: the four stages, curves over checkpoints, reproduction, and what keeps a run
safe (output policy, checkpoints, signals), its precision and its distribution."""
