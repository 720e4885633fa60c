"""Evaluations: what attendees thought of each session and of the day."""
