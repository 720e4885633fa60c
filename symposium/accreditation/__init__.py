"""Accreditation points: registers, register numbers, hours present, PE-online reports."""
