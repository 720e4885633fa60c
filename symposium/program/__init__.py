"""Editions, rounds, sessions and speakers: the program, and the version its caches key on."""

# The listener that bumps an edition's program version whenever its program changes.
from symposium.program import versions  # noqa: F401
