"""The corpus of invalid states: where the cases are, and the few parts made at run time.

Some hostile inputs are made when a case is copied out, not committed: a symlink loop
would send every tool that walks the repository (pytest collection, ruff, editors) round
the loop, and a file over the size cap would put 32 MiB in git for one line of output.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from zoomstate.loader import MAX_FILE_BYTES

INVALID = Path(__file__).resolve().parent / "invalid"


def _symlink_loop(state: Path) -> None:
    # A folder that links back to its parent: naive recursion never ends.
    (state / "users" / "everyone").symlink_to("..", target_is_directory=True)


def _symlink_file_loop(state: Path) -> None:
    # Two links pointing at each other: stat() fails with ELOOP.
    (state / "users" / "team-a.yaml").symlink_to("team-b.yaml")
    (state / "users" / "team-b.yaml").symlink_to("team-a.yaml")


def _broken_symlink(state: Path) -> None:
    (state / "users" / "support.yaml").symlink_to("../../shared/support.yaml")


def _fifo(state: Path) -> None:
    # Opening a FIFO for reading blocks until a writer comes: validate would hang.
    os.mkfifo(state / "users" / "support.yaml")


def _device_symlink(state: Path) -> None:
    # /dev/zero has size 0 and never ends: a size check alone lets it through.
    (state / "users" / "support.yaml").symlink_to("/dev/zero")


def _symlink_diamond(state: Path) -> None:
    # 16 levels of folders, each holding two links to the next (issue 12): walking every
    # path through them doubles per level (23-39 s here). The file at the bottom is read
    # once: its user is reported once, not 65,536 times as a duplicate of itself.
    levels = state / "users" / "levels"
    for level in range(16):
        here = levels / f"d{level:02d}"
        here.mkdir(parents=True)
        for name in ("a", "b"):
            (here / name).symlink_to(f"../d{level + 1:02d}", target_is_directory=True)
    (levels / "d16").mkdir()
    (levels / "d16" / "contractors.yaml").write_text(
        "users:\n  - email: dana@partner.example\n", encoding="utf-8"
    )


def _symlink_to_root(state: Path) -> None:
    # A link to / : walking it never finished.
    (state / "users" / "everything").symlink_to("/", target_is_directory=True)


def _symlink_to_usr(state: Path) -> None:
    # A link to /usr: every YAML file there was read, and shown in errors.
    (state / "users" / "vendor").symlink_to("/usr", target_is_directory=True)


def _oversized_file(state: Path) -> None:
    # Sparse: the cap is checked on the size before reading, so the content never matters
    # and the test writes no 32 MiB to disk.
    with (state / "users" / "export.yaml").open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)


def _deep_nesting_huge(state: Path) -> None:
    # A million nested lists: libyaml's recursive composer overflows the C stack on this
    # (a segmentation fault, not an exception), so it must be refused before composing.
    depth = 1_000_000
    (state / "users" / "support.yaml").write_text(
        "users: " + "[" * depth + "]" * depth + "\n", encoding="utf-8"
    )


def _wide_alias_huge(state: Path) -> None:
    # 900 aliases of one 100,000-item list: 200 KB of YAML that expands to 90 million
    # values (over 1 GB and minutes) unless the expansion itself is bounded.
    items = ", ".join(["x"] * 100_000)
    aliases = ", ".join(["*pad"] * 900)
    (state / "users" / "support.yaml").write_text(
        f"pad: &pad [{items}]\nusers: [{aliases}]\n", encoding="utf-8"
    )


def _dense_values(state: Path) -> None:
    # 300,000 tiny values under the size cap: composed whole, they would take over 100 MB
    # before any check could run, so values are counted from the event stream first.
    lines = ["users:"] + [f"  - {i}" for i in range(300_000)]
    (state / "users" / "support.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


BUILDERS: dict[str, Callable[[Path], None]] = {
    "hostile-dense-values": _dense_values,
    "hostile-deep-nesting-huge": _deep_nesting_huge,
    "hostile-symlink-loop": _symlink_loop,
    "hostile-wide-alias-huge": _wide_alias_huge,
    "hostile-symlink-file-loop": _symlink_file_loop,
    "hostile-broken-symlink": _broken_symlink,
    "hostile-oversized-file": _oversized_file,
    "hostile-fifo": _fifo,
    "hostile-device-symlink": _device_symlink,
    "hostile-symlink-diamond": _symlink_diamond,
    "hostile-symlink-to-root": _symlink_to_root,
    "hostile-symlink-to-usr": _symlink_to_usr,
}


def case_names() -> list[str]:
    return sorted(p.name for p in INVALID.iterdir() if p.is_dir())


def materialise(name: str, dest: Path) -> Path:
    """Copy case `name` to `dest` (a new folder) and add its run-time parts; returns dest.

    Cases always run from a copy, so a test can never change the committed corpus."""
    shutil.copytree(INVALID / name, dest, symlinks=True)
    build = BUILDERS.get(name)
    if build is not None:
        build(dest / "state")
    return dest


def expected_lines(name: str) -> list[str]:
    text = (INVALID / name / "expected.txt").read_text(encoding="utf-8")
    return text.splitlines()


__all__ = ["BUILDERS", "INVALID", "case_names", "expected_lines", "materialise"]
