"""Seeds come only from regular files of at most 64 MiB that hold a seed: a FIFO cannot
block the server, a device cannot fill its memory, and a file that is not a seed (say
/etc/shadow) is refused before anything is replaced."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from zoomstate.cli import main
from zoomstate.sandbox.app import SandboxApp
from zoomstate.sandbox.limits import MAX_SEED_BYTES
from zoomstate.sandbox.seedfile import SEED_KEYS, load_seed
from zoomstate.sandbox.seeding import SeedError, demo_seed

SHADOW = "root:$6$abc$def:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n"


def _unblocked(call: Callable[[], Any], fifo: Path | None = None) -> Any:
    """`call()` in a thread, so that code which blocks (on a FIFO) fails the test instead
    of hanging it; `fifo` is opened for writing then, to let the stuck open() through."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = call()
        except BaseException as exc:  # handed to the test below
            result["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():
        if fifo is not None:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("blocked on a FIFO")
    if "error" in result:
        raise result["error"]
    return result["value"]


def _seed(api: httpx.Client, path: Path | str, *, key: str = "path") -> httpx.Response:
    fifo = Path(path) if Path(path).is_fifo() else None
    resp: httpx.Response = _unblocked(
        lambda: api.post("/_sandbox/seed", json={key: str(path)}), fifo
    )
    return resp


def _unchanged(app: SandboxApp) -> Callable[[], None]:
    before = app.runtime.account.summary()
    emails = [u.email for u in app.runtime.account.ordered_users()]

    def check() -> None:
        assert app.runtime.account.summary() == before
        assert [u.email for u in app.runtime.account.ordered_users()] == emails

    return check


def test_a_fifo_is_refused_without_blocking(
    api: httpx.Client, app: SandboxApp, tmp_path: Path
) -> None:
    fifo = tmp_path / "seed.yaml"
    os.mkfifo(fifo)
    unchanged = _unchanged(app)
    resp = _seed(api, fifo)
    assert resp.status_code == 400
    assert resp.json()["message"] == f"{fifo}: not a regular file (a FIFO)"
    unchanged()


@pytest.mark.parametrize(
    ("target", "kind"),
    # /dev/zero itself is tested in a subprocess with a memory limit, below.
    [("/dev/null", "a character device"), (".", "a directory")],
)
def test_devices_and_directories_are_refused_unread(
    api: httpx.Client, app: SandboxApp, tmp_path: Path, target: str, kind: str
) -> None:
    path = tmp_path if target == "." else Path(target)
    unchanged = _unchanged(app)
    for key in ("path", "seed"):
        resp = _seed(api, path, key=key)
        assert resp.status_code == 400
        assert resp.json()["message"] == f"{path}: not a regular file ({kind})"
    resp = api.post("/_sandbox/reset", json={"seed": str(path)})
    assert resp.status_code == 400
    unchanged()


def test_dev_zero_is_refused_without_reading_it() -> None:
    """The 17 GB of the bug report: in a process held to 1 GiB of address space, so that
    a sandbox which reads devices dies of MemoryError instead of taking the machine."""
    code = (
        "import resource\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from zoomstate.sandbox.seedfile import load_seed\n"
        "from zoomstate.sandbox.seeding import SeedError\n"
        "try:\n"
        "    load_seed('/dev/zero')\n"
        "except SeedError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "/dev/zero: not a regular file (a character device)\n"


def test_a_seed_larger_than_64_mib_is_refused_unread(
    api: httpx.Client, app: SandboxApp, tmp_path: Path
) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(MAX_SEED_BYTES + 1)  # sparse: no disk space taken
    unchanged = _unchanged(app)
    resp = _seed(api, big)
    assert resp.status_code == 400
    assert resp.json()["message"] == f"{big}: larger than the 64 MiB limit"
    unchanged()


# A bomb under a key the seed check does not look into: only the size budget stops it
# (its 8 levels of 10 aliases stand for 10**8 values).
ALIAS_BOMB = "account:\n  l0: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"  l{i + 1}: &{k} [{', '.join([f'*{p}'] * 10)}]\n"
    for i, (p, k) in enumerate(zip("abcdefg", "bcdefgh", strict=True))
)

NOT_SEEDS = {
    # /etc/shadow parses as a YAML mapping (each line ends in ":"): its keys are not
    # seed keys, and they are not echoed.
    "shadow": (SHADOW, "2 unknown keys, none a seed key"),
    "empty": ("", "a seed is a mapping, this is nothing"),
    "scalar": ("just some text\n", "a seed is a mapping, this is a str"),
    "other-yaml": ("name: web\nimage: nginx\n", "2 unknown keys: 'image', 'name'"),
    "typo": ("usres: []\n", "1 unknown key: 'usres'"),
    "wrong-type": ("users: 5\n", "users must be a list"),
    "wrong-item": ("users: [alice@example.com]\n", "users[0] must be a mapping"),
    "missing-field": ("users: [{first_name: A}]\n", "does not hold together (missing 'email')"),
    "bad-ref": ("users: [{email: a@example.com, role: Wizard}]\n", "unknown role 'Wizard'"),
    "bad-yaml": ("users: [\n", "invalid YAML: line 2, column 1"),
    "deep": ("users: " + "[" * 100 + "]" * 100 + "\n", "nested more than 64 levels deep"),
    # libyaml stops at 1,000 levels by itself, before the sandbox's own check.
    "very-deep": ("users: " + "[" * 5000 + "]" * 5000 + "\n", "nest"),
    "binary": ("\udcff", "not UTF-8 text"),
    "alias-bomb": (ALIAS_BOMB, "alias bomb"),
}


@pytest.mark.parametrize("name", sorted(NOT_SEEDS))
def test_a_file_that_is_not_a_seed_is_refused_and_nothing_is_replaced(
    api: httpx.Client, app: SandboxApp, tmp_path: Path, name: str
) -> None:
    text, message = NOT_SEEDS[name]
    path = tmp_path / "seed.yaml"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    unchanged = _unchanged(app)
    resp = _seed(api, path)
    assert resp.status_code == 400, resp.text
    assert resp.json()["message"].startswith(f"{path}: ")
    assert message in resp.json()["message"]
    assert "$6$" not in resp.json()["message"] and "daemon" not in resp.json()["message"]
    unchanged()
    # The refused file did not become the seed a reset starts from.
    assert api.post("/_sandbox/reset", json={}).json()["users"] == 32


def test_a_seed_mapping_in_the_body_is_checked_the_same_way(
    api: httpx.Client, app: SandboxApp
) -> None:
    unchanged = _unchanged(app)
    for seed, message in [
        ({"users": 5}, "users must be a list"),
        ({"usres": []}, "unknown key: 'usres'"),
        ({"users": [{"email": "a@example.com", "type": "admin"}]}, "unknown type 'admin'"),
    ]:
        resp = api.post("/_sandbox/seed", json={"seed": seed})
        assert resp.status_code == 400
        assert message in resp.json()["message"]
        resp = api.post("/_sandbox/reset", json={"seed": seed})
        assert resp.status_code == 400
    resp = api.post("/_sandbox/reset", json={"random_seed": "x"})
    assert resp.status_code == 400
    unchanged()


def test_a_real_seed_file_still_loads(api: httpx.Client, tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(
        "seed: 7\nusers:\n  - {email: solo@example.com, first_name: Solo, type: licensed}\n"
    )
    resp = _seed(api, path)
    assert resp.status_code == 200, resp.text
    assert resp.json()["users"] == 1
    as_json = tmp_path / "small.json"
    as_json.write_text('{"users": [{"email": "j@example.com"}, {"email": "k@example.com"}]}')
    assert _seed(api, as_json).json()["users"] == 2
    # ... and a reset starts from it again.
    assert api.post("/_sandbox/reset", json={}).json()["users"] == 2


def test_the_demo_seed_is_a_seed() -> None:
    assert set(demo_seed()) <= set(SEED_KEYS)
    assert load_seed("demo") == demo_seed()


def test_load_seed_refuses_a_fifo_directly(tmp_path: Path) -> None:
    fifo = tmp_path / "seed.json"
    os.mkfifo(fifo)
    with pytest.raises(SeedError, match="a FIFO"):
        _unblocked(lambda: load_seed(fifo), fifo)


def test_serve_refuses_a_bad_seed_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "seed.yaml"
    os.mkfifo(fifo)
    for seed, message in [(fifo, "not a regular file (a FIFO)"), (Path("/dev/null"), "device")]:
        argv = ["sandbox", "serve", "--port", "0", "--seed", str(seed)]
        assert _unblocked(lambda argv=argv: main(argv), fifo) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err and "Traceback" not in err
