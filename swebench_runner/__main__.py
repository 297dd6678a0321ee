"""``python -m swebench_runner``: the ``swerun`` command."""

from .cli import main

main(prog_name="swerun")
