"""Entry point of the ``pagegold`` console command.

``curation`` and ``benchmarks`` each contribute their own command groups; this module only
assembles them, so that ``curation`` never has to import ``benchmarks``.
"""

from __future__ import annotations

import click

from benchmarks.cli import bench
from curation.cli import register_commands


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="pagegold")
def main() -> None:
    """PageGold: curated web news pages with boilerplate and entity gold, and a benchmark harness.

    \b
    Typical use:
      pagegold ingest ../pages --source mysite --out build/mysite
      pagegold release 1.0.0        # build data/v1.0.0 from the configured sources
      pagegold verify               # recheck every checksum and schema
      pagegold bench run --task boilerplate --systems all
    """


register_commands(main)
main.add_command(bench)

if __name__ == "__main__":  # pragma: no cover
    main()
