"""Adapters for coding CLIs that bring their own agent loop (Qwen Code first)."""
