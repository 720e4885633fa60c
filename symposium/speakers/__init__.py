"""Speakers: sign-in by link, their sessions, materials, and session summaries."""
