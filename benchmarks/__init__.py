"""PageGold benchmark harness: systems, metrics, runner, statistics and reports."""
