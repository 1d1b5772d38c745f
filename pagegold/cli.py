"""Entry point of the ``pagegold`` console command.

``curation`` and ``benchmarks`` each contribute their own command groups; this module only
assembles them, so that ``curation`` never has to import ``benchmarks``.
"""

from __future__ import annotations

import click

from benchmarks.cli import bench
from curation.cli import register_commands


class FriendlyGroup(click.Group):
    """The root group: an input error that a command did not turn into a message still becomes one
    line on stderr and exit 1, never a traceback (a bad version, a missing or unwritable path).
    Programming errors still show their traceback."""

    def invoke(self, ctx: click.Context):
        from curation.dataset import ReleaseError

        try:
            return super().invoke(ctx)
        except ReleaseError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="pagegold")
def main() -> None:
    """PageGold: curated web news pages with boilerplate and entity gold, and a benchmark harness.

    \b
    Typical use:
      pagegold ingest ../pages --source mysite --out build/mysite
      pagegold release 1.0.0        # build data/v1.0.0 from the configured sources
      pagegold verify               # recheck every checksum and schema
      pagegold bench run --task boilerplate --systems all
      pagegold bench run --corpus ../shared/corpora/wcxb-dev --split dev --systems trafilatura

    \b
    Environment (README, "Environment variables"):
      PAGEGOLD_DATA_DIR     the data/ folder of releases (default ./data)
      PAGEGOLD_CACHE        bench run output cache (default .cache/pagegold)
      PAGEGOLD_STAGING_DIR  staged gold for releases (default data/staging)
      PAGEGOLD_L3S_CLASSES  l3s-gn1 gold classes (default 1,2,3)
      PAGEGOLD_HOME, PAGEGOLD_LS_*, LABEL_STUDIO_*   Label Studio (annotate)
    """


register_commands(main)
main.add_command(bench)

if __name__ == "__main__":  # pragma: no cover
    main()
