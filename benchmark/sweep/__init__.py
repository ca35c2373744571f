"""``benchmark sweep``: many runs - submissions x datasets x pair protocols (x checkpoints) -
planned, the finished ones skipped, the rest run on an executor (docs/sweeps.md).

- :mod:`benchmark.sweep.plan`: the plan (a YAML file and/or command-line globs) and its jobs;
- :mod:`benchmark.sweep.keys`: whether a job's result is already there, valid and of the same key;
- :mod:`benchmark.sweep.local`: local processes, ``--jobs N`` at a time, threads budgeted;
- :mod:`benchmark.sweep.cluster`: submitit (Slurm, its local and debug executors);
- :mod:`benchmark.sweep.run`: the sweep itself (plan, skip, execute, report);
- :mod:`benchmark.sweep.report`: what became of each job, as a table;
- :mod:`benchmark.sweep.command`: the command line.
"""
