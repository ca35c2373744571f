"""Reading clips: the DataLoader workers that load a task's items (``clips``) and video decoding (``video``)."""
