"""`zoomstate export`: the live account as state files."""

from __future__ import annotations

from pathlib import Path

import click

from zoomstate.cli.context import Context
from zoomstate.cli.options import connection, connection_options, reason, writable
from zoomstate.cli.ui import status
from zoomstate.errors import ConfigError
from zoomstate.usecases.runtime import run_async, tamed_gc
from zoomstate.words import count


@click.command()
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the state files into this directory (default: one file on stdout).",
)
@click.option(
    "--domain",
    "domains",
    multiple=True,
    help="Export only users of this e-mail domain (repeatable; default: every domain of "
    "the account's users). It becomes account.domains.",
)
@click.option(
    "--split",
    type=click.Choice(["department", "site", "none"]),
    default="department",
    show_default=True,
    help="One users file per department, per phone site, or a single users.yaml.",
)
@click.option("--force", is_flag=True, help="Write into a directory that has state files.")
@connection_options
@click.pass_obj
@tamed_gc()
def export(
    obj: Context,
    out: Path | None,
    domains: tuple[str, ...],
    split: str,
    force: bool,
    tier: str | None,
    budget_share: float,
) -> None:
    """Write the live account as state files that `validate` accepts and `plan` finds
    already in sync: the first commit of an adopted account.

    \b
    Examples:
      zoomstate --sandbox demo.json export --out state/ --domain example.com
      zoomstate export --split none > state.yaml
    """
    from zoomstate.usecases import reading
    from zoomstate.usecases.offline import write_files

    if out is not None and not force and out.exists() and any(out.rglob("*.y*ml")):
        raise ConfigError(f"{out} already holds state files: use --force to overwrite them")
    if out is not None:
        writable(out / "state.yaml", "--out", create=False)
    conn = connection(obj, tier, budget_share, "pro")
    with status(obj, "reading the account") as progress:
        live, calls = run_async(reading.read_live(conn, progress))
    exported = reading.export(
        live,
        domains=domains,
        split=split,  # type: ignore[arg-type]  # click.Choice checked it
        single=out is None,
        tier=tier,
    )
    if out is None:
        click.echo(exported.files["state.yaml"], nl=False)
    else:
        try:
            for path in write_files(out, exported.files):
                click.echo(str(path))
        except OSError as exc:
            raise ConfigError(
                f"--out {out}: cannot write the state files ({reason(exc)})"
            ) from None
    obj.info(f"exported {exported.users} users in {count(calls, 'API call')}")
