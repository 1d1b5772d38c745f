"""The ``pagegold`` command: the one place where ``curation`` and ``benchmarks`` meet."""
