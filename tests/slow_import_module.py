"""Imported by a pool worker before it takes jobs (``WorkerPool(modules=…)``): a slow start-up."""

import time

time.sleep(3)
