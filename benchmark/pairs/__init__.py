"""Pairs of clips (METHOD.md §1): the pair protocols, the style bank, pre-stylized stores and the
batched rendering of styles on the model's device."""
