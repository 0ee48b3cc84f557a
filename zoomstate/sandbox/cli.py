"""`zoomstate sandbox serve`: run the sandbox under uvicorn. The `sandbox` group itself is
declared in `zoomstate/cli/sandbox.py` (so `zoomstate --help` imports nothing of the
sandbox), which loads this command only when it is run or its help is shown."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import click

from zoomstate.loopback import is_loopback
from zoomstate.sandbox.admin import ADMIN_SECRET_ENV, check_admin_secret, new_admin_secret
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, create_app
from zoomstate.sandbox.faults import FaultSpec, FaultSpecError
from zoomstate.sandbox.persistence import SandboxFileError
from zoomstate.sandbox.seeding import SeedError

__all__ = ["is_loopback", "serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=9000, show_default=True, type=int, help="0 picks a free port.")
@click.option("--data", type=click.Path(dir_okay=False, path_type=Path), help="Account file.")
@click.option("--seed", default="demo", show_default=True, help="Seed file, or 'demo'.")
@click.option("--tier", type=click.Choice(["pro", "business"]), default="business")
@click.option("--latency-ms", type=float, default=0.0, help="Added to every API request.")
@click.option("--faults", "faults_spec", default="", help="Fault spec, see docs/sandbox.md.")
@click.option("--rate-limits/--no-rate-limits", default=True, show_default=True)
@click.option("--phone-user-delay", type=float, default=0.0, help="Seconds (sandbox clock).")
@click.option("--allow-remote", is_flag=True, help="Allow binding a non-loopback address.")
@click.option(
    "--admin-secret",
    envvar=ADMIN_SECRET_ENV,
    help="What the admin API (/_sandbox/) requires as 'Authorization: Bearer ...' "
    f"(default: a new random one, printed). Env: {ADMIN_SECRET_ENV}.",
)
def serve(
    host: str,
    port: int,
    data: Path | None,
    seed: str,
    tier: str,
    latency_ms: float,
    faults_spec: str,
    rate_limits: bool,
    phone_user_delay: float,
    allow_remote: bool,
    admin_secret: str | None,
) -> None:
    """Serve the sandbox and print the settings that point zoomstate at it.

    \b
    Examples:
      zoomstate sandbox serve --port 0 --data sandbox.json
      zoomstate sandbox serve --tier pro --latency-ms 50 --faults '5xx=0.1,drop=0.01'
      eval "$(zoomstate sandbox serve --port 9000 | grep =)"   # in another shell
      curl -X POST -H "Authorization: Bearer $ZOOMSTATE_SANDBOX_ADMIN_SECRET" \\
        http://127.0.0.1:9000/_sandbox/users/new.hire@example.com/activate
    """
    import uvicorn

    if not is_loopback(host) and not allow_remote:
        raise click.UsageError(
            f"refusing to bind {host}: the sandbox has well-known credentials; "
            "pass --allow-remote to expose it beyond this machine"
        )
    spec = faults_spec
    if latency_ms:
        spec = ",".join(s for s in (spec, f"latency={latency_ms:g}") if s)
    try:
        FaultSpec.parse(spec)
    except FaultSpecError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    try:
        secret = check_admin_secret(admin_secret) if admin_secret else new_admin_secret()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--admin-secret") from None
    try:
        app = create_app(
            data=data,
            seed=seed,
            tier=tier,
            rate_limits=rate_limits,
            faults=spec or None,
            phone_user_delay=phone_user_delay,
            admin_secret=secret,
        )
    except (SandboxFileError, SeedError) as exc:
        raise click.ClickException(str(exc)) from None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # asyncio turns Nagle off only for sockets whose proto is IPPROTO_TCP, and a socket
    # made as socket(AF_INET, SOCK_STREAM) has proto 0: without this, every response whose
    # body ends in a part-filled segment waits out the client's delayed ACK (40 ms on
    # Linux), which made a 100-item page take 44 ms instead of 3. Accepted connections
    # inherit the option.
    if family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)  # before the settings print: an eager client queues, not refused
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{bound}"
    click.echo(f"# zoomstate sandbox listening on {base}")
    click.echo(f"ZOOMSTATE_API_URL={base}/v2")
    click.echo(f"ZOOMSTATE_OAUTH_URL={base}/oauth/token")
    click.echo(f"{ADMIN_SECRET_ENV}={secret}")
    click.echo(f"ZOOM_ACCOUNT_ID={DEFAULT_CREDENTIALS.account_id}")
    click.echo(f"ZOOM_CLIENT_ID={DEFAULT_CREDENTIALS.client_id}")
    click.echo(f"ZOOM_CLIENT_SECRET={DEFAULT_CREDENTIALS.client_secret}", nl=True)
    # A reader on a pipe waits for these lines; uvicorn runs until stopped.
    sys.stdout.flush()
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
