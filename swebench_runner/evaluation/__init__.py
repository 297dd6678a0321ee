"""Evaluation of a prediction: eval script, log parsing, integrity checks, grading."""
