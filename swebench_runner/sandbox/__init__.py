"""Containers that run evaluation scripts and agent tools."""
