"""Registrations, breakout choices and waiting lists: the capacity rules live here."""
