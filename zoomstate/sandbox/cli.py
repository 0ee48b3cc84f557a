"""`zoomstate sandbox serve`: run the sandbox under uvicorn. The `sandbox` group itself is
declared in `zoomstate/cli/sandbox.py` (so `zoomstate --help` imports nothing of the
sandbox), which loads this command only when it is run or its help is shown."""

from __future__ import annotations

import os
import shlex
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from zoomstate.loopback import is_loopback
from zoomstate.sandbox.admin import ADMIN_SECRET_ENV, check_admin_secret, new_admin_secret
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, SandboxApp, create_app
from zoomstate.sandbox.faults import FaultSpec, FaultSpecError
from zoomstate.sandbox.persistence import SandboxFileError
from zoomstate.sandbox.seeding import SeedError

__all__ = ["is_loopback", "serve"]

PID_ENV = "ZOOMSTATE_SANDBOX_PID"


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Only this machine's (loopback) addresses unless "
    "--allow-remote: the sandbox's credentials are public.",
)
@click.option("--port", default=9000, show_default=True, type=int, help="0 picks a free port.")
@click.option("--data", type=click.Path(dir_okay=False, path_type=Path), help="Account file.")
@click.option("--seed", default="demo", show_default=True, help="Seed file, or 'demo'.")
@click.option(
    "--tier",
    type=click.Choice(["pro", "business"]),
    default="business",
    show_default=True,
    help="The Zoom plan whose rate limits the sandbox enforces (with --rate-limits): pro, "
    "or business for Business and above.",
)
@click.option("--latency-ms", type=float, default=0.0, help="Added to every API request.")
@click.option("--faults", "faults_spec", default="", help="Fault spec, see docs/sandbox.md.")
@click.option(
    "--rate-limits/--no-rate-limits",
    default=True,
    show_default=True,
    help="Answer 429 past Zoom's per-second budgets, daily caps and concurrent writes to "
    "one user, as Zoom does for --tier; off, every request is admitted at once.",
)
@click.option("--phone-user-delay", type=float, default=0.0, help="Seconds (sandbox clock).")
@click.option("--allow-remote", is_flag=True, help="Allow binding a non-loopback address.")
@click.option(
    "--admin-secret",
    envvar=ADMIN_SECRET_ENV,
    help="What the admin API (/_sandbox/) requires as 'Authorization: Bearer ...' "
    f"(default: a new random one, printed). Env: {ADMIN_SECRET_ENV}.",
)
@click.option(
    "--print-env",
    is_flag=True,
    help="Print the settings as `export` lines for a shell's eval, with "
    f"{PID_ENV}, and keep serving in the background (detached from the terminal) "
    f'until `kill "${PID_ENV}"`.',
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
    print_env: bool,
) -> None:
    """Serve the sandbox and print the settings that point zoomstate at it.

    Without --print-env it serves in the foreground (Ctrl-C stops it) and prints the
    settings as KEY=VALUE lines first.

    \b
    Examples:
      zoomstate sandbox serve --port 0 --data sandbox.json
      zoomstate sandbox serve --tier pro --latency-ms 50 --faults '5xx=0.1,drop=0.01'
      eval "$(zoomstate sandbox serve --port 0 --print-env)"
      curl -X POST -H "Authorization: Bearer $ZOOMSTATE_SANDBOX_ADMIN_SECRET" \\
        "${ZOOMSTATE_API_URL%/v2}/_sandbox/users/new.hire@example.com/activate"
      kill "$ZOOMSTATE_SANDBOX_PID"
    """
    if not is_loopback(host) and not allow_remote:
        raise click.UsageError(
            f"refusing to bind {host}: the sandbox has well-known credentials; "
            "pass --allow-remote to expose it beyond this machine"
        )
    if print_env and not hasattr(os, "fork"):
        raise click.UsageError("--print-env needs a POSIX system (it forks a background server)")
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
    sock = _listen(host, port)
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{sock.getsockname()[1]}"
    settings = _settings(base, secret)
    if print_env:
        pid = _serve_detached(app, sock)
        for key, value in [*settings, (PID_ENV, str(pid))]:
            click.echo(f"export {key}={shlex.quote(value)}")
        click.echo(
            f"zoomstate sandbox serving on {base} (pid {pid}): kill {pid} stops it", err=True
        )
        return
    click.echo(f"# zoomstate sandbox listening on {base}")
    for key, value in settings:
        click.echo(f"{key}={value}")
    # A reader on a pipe waits for these lines; uvicorn runs until stopped.
    sys.stdout.flush()
    _server(app).run(sockets=[sock])


def _settings(base: str, secret: str) -> list[tuple[str, str]]:
    """What points zoomstate (and curl) at this sandbox, in the order printed."""
    return [
        ("ZOOMSTATE_API_URL", f"{base}/v2"),
        ("ZOOMSTATE_OAUTH_URL", f"{base}/oauth/token"),
        (ADMIN_SECRET_ENV, secret),
        ("ZOOM_ACCOUNT_ID", DEFAULT_CREDENTIALS.account_id),
        ("ZOOM_CLIENT_ID", DEFAULT_CREDENTIALS.client_id),
        ("ZOOM_CLIENT_SECRET", DEFAULT_CREDENTIALS.client_secret),
    ]


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # asyncio turns Nagle off only for sockets whose proto is IPPROTO_TCP, and a socket
    # made as socket(AF_INET, SOCK_STREAM) has proto 0: without this, every response whose
    # body ends in a part-filled segment waits out the client's delayed ACK (40 ms on
    # Linux), which made a 100-item page take 44 ms instead of 3. Accepted connections
    # inherit the option.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    # Listening before anything is printed: a client that connects as soon as it has the
    # settings waits in the backlog instead of being refused.
    sock.listen(2048)
    return sock


def _server(app: SandboxApp, on_ready: Callable[[], None] | None = None) -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and on_ready is not None:
                on_ready()

    return Server(uvicorn.Config(app, log_level="warning", lifespan="on"))


def _serve_detached(app: SandboxApp, sock: socket.socket) -> int:
    """Fork a server that outlives this command, detached from its terminal and from its
    stdout (a shell's `$(...)` reads until every writer of the pipe is gone, so a server
    holding it would make `eval "$(... --print-env)"` wait forever). Returns the server's
    pid once it serves; ClickException if it could not start."""
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the server
        os.close(ready_r)
        code = 1
        try:
            _detach(keep=(sock.fileno(), ready_w))

            def ready() -> None:
                os.write(ready_w, b"ok")
                os.close(ready_w)

            _server(app, ready).run(sockets=[sock])
            code = 0
        finally:
            os._exit(code)
    os.close(ready_w)
    sock.close()
    with os.fdopen(ready_r, "rb") as pipe:
        started = pipe.read(2) == b"ok"
    if not started:
        raise click.ClickException(f"the background sandbox (pid {pid}) did not start")
    return pid


def _detach(keep: tuple[int, ...]) -> None:
    """A daemon's usual break with where it came from: its own session (no terminal
    signals), stdin/stdout/stderr on /dev/null, every other inherited descriptor closed."""
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    last = 3
    for fd in sorted(keep):
        os.closerange(last, fd)
        last = fd + 1
    os.closerange(last, 1024)
