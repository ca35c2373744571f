"""The contract between the harness and a task: its declaration (``taskspec``), its options,
its adapter (``task``), its metric with intervals, the shared clip transforms, and the task registry."""
