"""Finding the state files below a state directory, with bounded work.

A state directory is a checkout of anything anyone pushed, so the walk assumes the worst:
folders that link to each other (two links per folder to the next one double the walk
at every level: 16 levels took half a minute), a link to `/` (never finishes), a link to
`/usr` (reads every YAML file there and shows its contents in errors). So:

- each real folder is listed once, known by device and inode however many links lead to
  it; a folder that links back to one of the folders it sits in is a loop, reported;
- a link (to a folder or a state file) whose target is outside the state directory is
  refused, unread: it is not part of what was reviewed. `follow_external_links` allows
  such links, for a state assembled from shared folders;
- the walk stops at `MAX_FOLDERS` folders or `MAX_FILES` state files with one issue, the
  files found so far unread.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from zoomstate.errors import ConfigError, Issue

STATE_SUFFIXES = (".yaml", ".yml")
# A large organisation's state is some hundreds of files in tens of folders: these are
# far beyond any real state and far below what a link to a system folder reaches.
MAX_FOLDERS = 10_000
MAX_FILES = 100_000
EXTERNAL_LINKS_HINT = (
    "copy what the state needs into it, or allow such links with --follow-external-links"
)


@dataclass
class Found:
    """What the walk found: state files (path, name shown), issues, and how much it did."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    folders: int = 0  # folders listed (each real folder at most once)


@dataclass
class _Walk:
    root_real: str
    follow_external_links: bool
    max_folders: int
    max_files: int
    found: Found = field(default_factory=Found)
    listed: set[tuple[int, int]] = field(default_factory=set)
    seen_files: set[tuple[int, int]] = field(default_factory=set)
    # Folders listed, not yet finished: the folders the current one sits in.
    stack: list[tuple[tuple[int, int], str, Iterator[os.DirEntry[str]]]] = field(
        default_factory=list
    )
    over: str | None = None

    def issue(self, shown: str, message: str) -> None:
        self.found.issues.append(Issue(shown, 0, 0, "", message))

    def enter(self, path: str, shown: str, key: tuple[int, int]) -> None:
        if any(key == k for k, _, _ in self.stack):
            self.issue(shown, "symlink loop: this folder links back to a parent")
            return
        if key in self.listed:
            return  # reached again through another link: already walked
        if len(self.listed) >= self.max_folders:
            self.over = f"more than {self.max_folders:,} folders"
            return
        self.listed.add(key)
        self.found.folders += 1
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self.issue(shown, f"cannot list folder: {exc.strerror}")
            return
        self.stack.append((key, shown, iter(entries)))

    def outside(self, entry: os.DirEntry[str]) -> str | None:
        """The real target of a link that leaves the state directory, if it does."""
        if self.follow_external_links or not entry.is_symlink():
            return None
        target = os.path.realpath(entry.path)
        inside = os.path.commonpath([self.root_real, target]) == self.root_real
        return None if inside else target

    def visit(self, entry: os.DirEntry[str], shown: str) -> None:
        is_state = entry.name.endswith(STATE_SUFFIXES)
        try:
            link = entry.is_symlink()
            if not (is_state or link or entry.is_dir(follow_symlinks=False)):
                return  # known from the folder listing alone: no stat for other files
        except OSError:
            return  # gone since the listing, or unreadable: not a state file
        try:
            info = entry.stat(follow_symlinks=True)
        except OSError as exc:
            if link and exc.errno == errno.ELOOP:
                self.issue(shown, "symlink loop: the link never resolves")
            elif link and is_state:
                self.issue(shown, "broken symlink: the target is missing")
            elif is_state:
                self.add_file(entry.path, shown, None)  # parse_file says why it cannot
            return
        is_dir = stat.S_ISDIR(info.st_mode)
        if not (is_dir or is_state):
            return
        target = self.outside(entry)
        if target is not None:
            self.issue(
                shown, f"links outside the state directory (to {target}): {EXTERNAL_LINKS_HINT}"
            )
        elif is_dir:
            self.enter(entry.path, shown, (info.st_dev, info.st_ino))
        else:
            self.add_file(entry.path, shown, (info.st_dev, info.st_ino))

    def add_file(self, path: str, shown: str, key: tuple[int, int] | None) -> None:
        if key is not None:
            if key in self.seen_files:
                return  # the same file through another link: read once
            self.seen_files.add(key)
        if len(self.found.files) >= self.max_files:
            self.over = f"more than {self.max_files:,} state files"
            return
        self.found.files.append((Path(path), shown))

    def run(self, root: Path) -> None:
        info = os.stat(root)
        self.enter(str(root), str(root), (info.st_dev, info.st_ino))
        while self.stack and self.over is None:
            _, display, entries = self.stack[-1]
            entry = next(entries, None)
            if entry is None:
                self.stack.pop()
            elif not entry.name.startswith("."):
                self.visit(entry, f"{display.rstrip('/')}/{entry.name}")


def find_state_files(
    root: Path,
    *,
    follow_external_links: bool = False,
    max_folders: int = MAX_FOLDERS,
    max_files: int = MAX_FILES,
) -> Found:
    """The state files below `root` (in sorted walk order, each real file once).

    Hidden files and folders (.git, .zoomstate) are skipped. Over a cap, the result holds
    no files and one issue, so nothing is read."""
    if not root.exists() and not root.is_symlink():
        raise ConfigError(f"{root}: no such state directory")
    if root.is_file():
        return Found(files=[(root, str(root))])
    try:
        walk = _Walk(os.path.realpath(root), follow_external_links, max_folders, max_files)
        walk.run(root)
    except OSError as exc:
        raise ConfigError(f"{root}: cannot read the state directory: {exc.strerror}") from None
    if walk.over is not None:
        return Found(
            issues=[
                Issue(
                    str(root),
                    0,
                    0,
                    "",
                    f"{walk.over}: not read (a state is far smaller; does a link lead "
                    "somewhere large?)",
                )
            ],
            folders=walk.found.folders,
        )
    return walk.found


__all__ = ["EXTERNAL_LINKS_HINT", "MAX_FILES", "MAX_FOLDERS", "Found", "find_state_files"]
