"""Package data: the ``open-mmlab://`` model-zoo map (``open_mmlab.json``)."""
