"""Checks on text people type, shared by every form and API field."""

import unicodedata


def has_control_characters(value: str, multiline: bool = False) -> bool:
    """NUL and other control characters, or lone surrogates (only JSON can send those);
    line breaks and tabs are fine where a field may span lines."""
    allowed = {"\n", "\r", "\t"} if multiline else set()
    return any(unicodedata.category(char) in ("Cc", "Cs") and char not in allowed for char in value)
