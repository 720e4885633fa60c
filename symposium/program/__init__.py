"""Editions, rounds, sessions and speakers; the public program pages and feeds."""
