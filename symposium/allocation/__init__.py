"""Ranked-choice seat allocation: a pure solver plus the service around it."""
