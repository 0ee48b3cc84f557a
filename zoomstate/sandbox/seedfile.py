"""Seed files: read safely, checked in full, turned into an account.

A seed file is read only if it is a regular file of at most MAX_SEED_BYTES (64 MiB; a
FIFO, a device or a directory is refused without being read, `limits.read_regular_file`),
and accepted only if it is a seed: a mapping of the seed keys of docs/sandbox.md, of the
right types, at most MAX_JSON_DEPTH levels deep, not blown up by YAML aliases. The account
is then built in full (`build_account`) before a caller replaces anything with it, so a
file that is not a seed (/etc/shadow parses as a YAML mapping) changes nothing. Errors
never quote the file's content.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from zoomstate.sandbox.limits import (
    MAX_JSON_DEPTH,
    MAX_SEED_BYTES,
    FileRefused,
    TooDeep,
    check_depth,
    loads,
    read_regular_file,
)
from zoomstate.sandbox.seeding import SeedError, account_from_seed, demo_seed
from zoomstate.sandbox.store import Account

__all__ = ["SEED_KEYS", "build_account", "check_seed", "load_seed"]

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Every key a seed may have (docs/sandbox.md): anything else means the file is not a seed,
# and nothing is replaced.
SEED_KEYS = {
    "seed": int,
    "account": dict,
    "seats": dict,
    "sites": list,
    "calling_plans": list,
    "phone_numbers": list,
    "setting_templates": list,
    "roles": list,
    "cc_roles": list,
    "cc_packages": list,
    "groups": list,
    "users": list,
    "call_queues": list,
    "shared_line_groups": list,
    "auto_receptionists": list,
    "desk_phones": list,
}
_LIST_KEYS = [k for k, t in SEED_KEYS.items() if t is list]
_KEY_LIKE = re.compile(r"[a-z][a-z_]{0,31}")


def load_seed(source: str | Path) -> dict[str, Any]:
    """Read a seed file (`.json`, else YAML), or the built-in seed named `demo`.

    Only a regular file of at most MAX_SEED_BYTES is read (a FIFO, a device or a directory
    is refused without blocking), and only a document that is a seed comes back: a mapping
    of the seed keys, of the right types, at most MAX_JSON_DEPTH levels deep."""
    if str(source) == "demo":
        return demo_seed()
    path = Path(source)
    try:
        raw = read_regular_file(path, MAX_SEED_BYTES)
    except FileNotFoundError:
        raise SeedError(f"{path}: no such seed file") from None
    except OSError as exc:
        raise SeedError(f"{path}: cannot read the seed ({exc.strerror or exc})") from None
    except FileRefused as exc:
        raise SeedError(str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SeedError(f"{path}: not a seed file (not UTF-8 text)") from None
    try:
        data = _parse(text, json_=path.suffix == ".json")
        check_seed(data, budget=2 * len(raw) + 1000)
    except SeedError as exc:
        raise SeedError(f"{path}: not a seed file ({exc})") from None
    return dict(data)


def _parse(text: str, *, json_: bool) -> Any:
    if json_:
        try:
            return loads(text)
        except TooDeep as exc:
            raise SeedError(str(exc)) from None
        except ValueError as exc:
            raise SeedError(f"invalid JSON: {exc}") from None
    try:
        # The event stream first: it keeps its own stack, so a hostile nesting depth is
        # refused here before a recursive composer sees it.
        depth = 0
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_JSON_DEPTH:
                    raise SeedError(str(TooDeep()))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise SeedError(f"invalid YAML: {where}{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise SeedError(f"invalid YAML: {type(exc).__name__}") from None


def check_seed(data: Any, budget: int | None = None) -> None:
    """SeedError unless `data` has the shape of a seed: a mapping of known keys with values
    of the right types (list entries are mappings), nested at most MAX_JSON_DEPTH levels
    and, with `budget`, holding at most that many values (YAML aliases count each use)."""
    if not isinstance(data, dict):
        shown = "nothing" if data is None else f"a {type(data).__name__}"
        raise SeedError(f"a seed is a mapping, this is {shown}")
    unknown = sorted(str(k) for k in data if k not in SEED_KEYS)
    if unknown:
        # Only names that look like a seed key's (a typo) are shown: the file may be any
        # file (/etc/shadow parses as a mapping), and its content must not be echoed.
        named = [k for k in unknown if _KEY_LIKE.fullmatch(k)]
        shown = ", ".join(repr(k) for k in named[:5]) if named else ""
        count = f"{len(unknown)} unknown key{'s' if len(unknown) > 1 else ''}"
        raise SeedError(f"{count}: {shown}" if shown else f"{count}, none a seed key")
    for key, kind in SEED_KEYS.items():
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, kind) or isinstance(value, bool):
            raise SeedError(f"{key} must be a {'list' if kind is list else kind.__name__}")
    for key in _LIST_KEYS:
        for i, item in enumerate(data.get(key) or []):
            if not isinstance(item, dict):
                raise SeedError(f"{key}[{i}] must be a mapping")
    try:
        check_depth(data, MAX_JSON_DEPTH, budget)
    except ValueError as exc:
        raise SeedError(str(exc)) from None


def build_account(source: str | Path | dict[str, Any], random_seed: int | None = None) -> Account:
    """A new account from a seed file, `"demo"` or a seed mapping; SeedError (and nothing
    built) when the seed is not one or does not hold together."""
    if isinstance(source, dict):
        check_seed(source)
        data = source
    else:
        data = load_seed(source)
    if random_seed is not None and type(random_seed) is not int:
        raise SeedError("random_seed must be an integer")
    try:
        return account_from_seed(data, random_seed)
    except SeedError as exc:
        problem = str(exc)
    except (KeyError, TypeError, ValueError, AttributeError, StopIteration) as exc:
        shown = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        problem = f"the seed does not hold together ({shown})"
    where = "" if isinstance(source, dict) or str(source) == "demo" else f"{source}: "
    raise SeedError(f"{where}{problem}")
