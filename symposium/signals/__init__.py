"""Signals from practice and the regional knowledge agenda they feed."""
