"""Register numbers as people type them: cleaned up and checked per register.

Only Registerplein's prefix and the BIG number's length are documented publicly; the other
formats are what registered professionals' numbers look like in practice, kept lenient so
that a real number is never refused. Where no check digit is published we check none.
"""

import re

from flask_babel import lazy_gettext as _l

from symposium.accreditation.models import Register

REGISTER_NAMES = {
    Register.registerplein: _l("Registerplein"),
    Register.skj: _l("SKJ (Stichting Kwaliteitsregister Jeugd)"),
    Register.kwaliteitsregister_vv: _l("Kwaliteitsregister V&V"),
    Register.big_gaia: _l("BIG / GAIA"),
    Register.other: _l("Other register"),
}

_SEPARATORS = re.compile(r"[\s.\-/]+")


def register_label(register: Register, name: str = "") -> str:
    """The register's name as people know it; "other" registers go by their own name."""
    return name if register == Register.other and name else str(REGISTER_NAMES[register])


def eleven_test(digits: str) -> bool:
    """The weighted eleven test over all digits: weights n..1 from the left, the sum a
    multiple of 11. BIG numbers carry one (CIBG does not publish its exact form; this is
    the usual elfproef, as the issue describes it)."""
    weights = range(len(digits), 0, -1)
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 == 0


def clean(register: Register, value: str | None) -> tuple[str, object | None]:
    """The number without spaces, dots or dashes, and what is wrong with it (None: nothing).
    An empty value is fine: the person wants no points in this register."""
    raw = (value or "").strip()
    if len(raw) > 40:
        return raw, _l("Use at most %(limit)d characters.", limit=40)
    number = _SEPARATORS.sub("", raw)
    if not number:
        return "", None
    if register == Register.registerplein:
        if not re.fullmatch(r"4610\d{4,8}", number):
            return number, _l(
                "A Registerplein number starts with 4610 and has 8 to 12 digits, e.g. 461012345."
            )
    elif register == Register.skj:
        # SKJ publishes no format; the numbers we have seen have 6 to 9 digits.
        if not re.fullmatch(r"\d{6,9}", number):
            return number, _l("An SKJ registration number has 6 to 9 digits, e.g. 100012345.")
    elif register == Register.kwaliteitsregister_vv:
        # No public format either; numbers are digits only.
        if not re.fullmatch(r"\d{5,12}", number):
            return number, _l("A Kwaliteitsregister V&V number has 5 to 12 digits.")
    elif register == Register.big_gaia:
        if not re.fullmatch(r"\d{11}", number):
            return number, _l("A BIG number has 11 digits.")
        if not eleven_test(number):
            return number, _l("This is not a valid BIG number: check the digits.")
    elif not re.fullmatch(r"[0-9A-Za-z]{1,40}", number):
        return number, _l("Use letters and digits only.")
    return number, None
