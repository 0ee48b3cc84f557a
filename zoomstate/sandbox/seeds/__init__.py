"""Seed files shipped with the sandbox (`demo.yaml`)."""
