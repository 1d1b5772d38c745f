"""``pagegold bench …``: run systems, score outputs, compare systems and write reports.

Every subcommand dispatches through the task registry (``benchmarks.tasks.TASKS``), so a new task
only registers itself there. ``group`` defines the ``bench`` group; ``score`` and ``run`` add their
subcommands to it when imported (here), and neither imports this package.
"""

from benchmarks.cli import export, run, score  # noqa: F401 - importing them adds their subcommands to `bench`
from benchmarks.cli.group import bench

__all__ = ["bench"]
