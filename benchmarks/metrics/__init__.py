"""Metrics as pure functions: per-page sufficient statistics plus a vectorised ``aggregate``.

Boilerplate metrics: ``aeb`` (AEB shingles), ``bow`` (WCXB bag of words), ``rouge`` (ROUGE-LSum,
Bevendorff et al. 2023), ``snippets`` (trafilatura with/without), ``blocks`` (main-block mask).
Each module's docstring states its definition and source.
"""
