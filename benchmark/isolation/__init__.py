"""Where submission code runs: the model process (``worker``), the harness's handle on it
(``process``), the typed shared-memory channel between them (``channel``) and the OS
confinement of the model process (``sandbox``); docs/architecture.md, "Security model"."""
