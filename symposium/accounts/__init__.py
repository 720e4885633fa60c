"""Organiser and speaker accounts, sign-in, and role checks."""
