"""The Label Studio bridge: a local server, push pages as tasks, pull checked annotations,
inter-annotator agreement and adjudication into staged gold.

Modules: install (server venv), server (start/stop/status), client (connecting), config (the
labeling config), push, pull, agreement, adjudicate, staging (file layout), cli (`pagegold annotate`).
"""
