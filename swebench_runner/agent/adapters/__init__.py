"""Adapters for coding CLIs that bring their own agent loop (Qwen Code, Claude Code), and the model proxy they share."""
