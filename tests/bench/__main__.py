"""`python -m tests.bench [NAME ...]`: run the named benchmarks (default: all)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("loader", "hostile", "startup", "plan", "plan_new", "read", "apply", "onboard")


def main() -> None:
    args = sys.argv[1:]
    names = [a for a in args if not a.startswith("-")][:1] or list(BENCHMARKS)
    rest = args[1:] if args and not args[0].startswith("-") else args
    for name in names:
        try:
            module = importlib.import_module(f"tests.bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"tests.bench.{name}":
                print(f"bench: {name} not present, skipped", file=sys.stderr)
                continue
            raise
        print(f"== {name}", flush=True)
        module.main(rest if len(names) == 1 else [])


if __name__ == "__main__":
    main()
