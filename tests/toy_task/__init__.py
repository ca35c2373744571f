"""A toy fourth task, ``blink``, installed only by the tests through an entry point
(docs/adding_a_task.md): everything it is lives in this folder.

A clip is a plain coloured field (its appearance) in which a white square flashes on one
frame (its dynamics); the label says whether the flash comes in the first or the second
half of the clip, so the labels reward dynamic information only.
"""
