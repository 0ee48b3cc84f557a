"""Benchmarks (not part of `make test`): run with `make bench`, results in docs/benchmarks.md."""
