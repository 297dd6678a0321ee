"""Inference: agents that work on an instance in its container and leave a patch (see ``pipeline.py``)."""
