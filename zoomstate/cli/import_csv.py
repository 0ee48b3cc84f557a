"""`zoomstate import-csv`: Zoom portal CSV files as state files (see docs/import-csv.md).

The conversion is `zoomstate.importcsv` (through `usecases.offline`); this module only
takes the options and reports. The written paths are the payload (stdout); problems go
to stderr.
"""

from __future__ import annotations

from pathlib import Path

import click

from zoomstate.cli.context import ExitCode


def _domains(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str]:
    # Imported here: pydantic and the model are not needed to list the commands.
    from pydantic import TypeAdapter, ValidationError

    from zoomstate.model import Domain

    domain_type: TypeAdapter[str] = TypeAdapter(Domain)
    out = []
    for domain in value:
        try:
            out.append(domain_type.validate_python(domain))
        except ValidationError:
            raise click.BadParameter(f"not a domain name: {domain!r}", ctx, param) from None
    return out


@click.command("import-csv")
@click.argument(
    "files",
    metavar="FILE...",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("state-imported"),
    show_default=True,
    help="Write the state files (account.yaml, users.yaml) into this directory.",
)
@click.option(
    "--domain",
    "domains",
    multiple=True,
    callback=_domains,
    help="Import only users of this e-mail domain (repeatable; default: every domain of "
    "the imported e-mails). It becomes account.domains.",
)
@click.option("--force", is_flag=True, help="Write into a directory that is not empty.")
def import_csv(files: tuple[Path, ...], out: Path, domains: list[str], force: bool) -> None:
    """Turn Zoom portal CSV files into state files that `validate` accepts.

    FILE is a user list (User Management > Users > Export, or an import file: Email,
    First Name, Last Name, Department, User Type...) or a phone user file (Phone System
    Management > Users & Rooms > Export: Email, Extension Number, Site, Calling Plan,
    Phone Number, Template). A users file and a phone file are merged by e-mail.

    Columns zoomstate does not manage are reported as not imported. A row that cannot
    be converted is reported as FILE:ROW and its user is left out; the rest is still
    written, and the exit status is 1 so that CI notices.

    \b
    Examples:
      zoomstate import-csv users.csv phone-users.csv --out state/
      zoomstate import-csv export.csv --domain example.com --out state/ --force
    """
    from zoomstate.usecases import offline

    if out.exists() and not force and any(out.iterdir()):
        raise click.ClickException(f"{out} is not empty: use --force to write into it")
    try:
        inputs = offline.read_csv_files(files)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    result = offline.import_csv(inputs, domains)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    for path in offline.write_files(out, result.files):
        click.echo(str(path))
    left_out = f", {result.rejected_rows} rows left out" if result.rejected_rows else ""
    click.echo(f"imported {result.users} users from {len(files)} files{left_out}", err=True)
    if not result.ok:
        raise click.exceptions.Exit(ExitCode.ERROR)


__all__ = ["import_csv"]
