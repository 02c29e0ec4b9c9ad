"""What a form field asks for, and which keyboard and autofill token suit it.

Pure functions shared by the spec reader and the HTML extractor: a field's
purpose comes from its ``autocomplete`` token when it has a valid one, else
from its name, id and label; the expected keyboard follows from the purpose.
"""

from __future__ import annotations

import re

#: Autofill tokens of the HTML standard that a checkout uses.
AUTOFILL_TOKENS = frozenset(
    {
        "name", "honorific-prefix", "given-name", "additional-name", "family-name",
        "honorific-suffix", "nickname", "username", "new-password", "current-password",
        "one-time-code", "organization-title", "organization", "street-address",
        "address-line1", "address-line2", "address-line3", "address-level4",
        "address-level3", "address-level2", "address-level1", "country", "country-name",
        "postal-code", "cc-name", "cc-given-name", "cc-additional-name", "cc-family-name",
        "cc-number", "cc-exp", "cc-exp-month", "cc-exp-year", "cc-csc", "cc-type",
        "transaction-currency", "transaction-amount", "language", "bday", "bday-day",
        "bday-month", "bday-year", "sex", "url", "photo", "tel", "tel-country-code",
        "tel-national", "tel-area-code", "tel-local", "tel-extension", "email", "impp",
    }
)  # fmt: skip
_MODIFIERS = frozenset(
    {"shipping", "billing", "home", "work", "mobile", "fax", "pager", "webauthn"}
)

#: Purposes recognised from a field's name, id or label, first match wins.
_PURPOSE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (purpose, re.compile(pattern, re.IGNORECASE))
    for purpose, pattern in (
        ("cc-name", r"name.?on.?card|card.?holder|cc.?name"),
        ("cc-number", r"card.?(number|no\b|num)|cc.?num|cardnumber|credit.?card$"),
        ("cc-csc", r"\b(cvc|cvv|csc|cvn)\b|security.?code|card.?code|cc.?(cvc|cvv|csc)"),
        ("cc-exp", r"expir|exp.?date|cc.?exp|mm.?/?.?yy"),
        ("email", r"e.?mail"),
        ("tel", r"phone|\btel\b|telephone|mobile|telefon"),
        ("given-name", r"first.?name|given.?name|fore.?name|\bfname|vorname|prenom|firstname"),
        ("family-name", r"last.?name|sur.?name|family.?name|\blname|nachname|lastname"),
        ("organization", r"company|organi[sz]ation|business.?name|firma"),
        ("address-line2", r"address.?(line)?.?2|apartment|\bapt\b|suite|address_2|street.?2"),
        ("postal-code", r"\bzip|postal|post.?code|postcode|\bplz\b|zipcode"),
        ("address-level2", r"\bcity\b|\btown\b|\bcity_|_city\b|\bort\b|stadt|ville"),
        ("address-level1", r"\bstate\b|province|region|county|_state\b|\bstate_"),
        ("country", r"countr|\bland\b"),
        ("address-line1", r"address|street|addr"),
        ("name", r"full.?name|^name$|your.?name|\bname\b"),
    )
)
#: The keyboards a purpose needs on a phone, as (accepted input types, accepted inputmodes).
KEYBOARDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "email": (frozenset({"email"}), frozenset({"email"})),
    "tel": (frozenset({"tel"}), frozenset({"tel"})),
    "cc-number": (frozenset({"tel", "number"}), frozenset({"numeric", "decimal"})),
    "cc-csc": (frozenset({"tel", "number"}), frozenset({"numeric", "decimal"})),
}
_DIGITS_PATTERN = re.compile(r"^(\[0-9\]|\\d)")


def autofill_token(autocomplete: str | None) -> str | None:
    """The field-name token of an ``autocomplete`` attribute, or ``None`` if it has none.

    ``"section-a shipping postal-code"`` gives ``postal-code``; ``"off"``,
    ``"on"`` and made-up values give ``None``.
    """
    if not autocomplete:
        return None
    words = [w for w in autocomplete.lower().split() if not w.startswith("section-")]
    words = [w for w in words if w not in _MODIFIERS]
    return words[-1] if words and words[-1] in AUTOFILL_TOKENS else None


def field_purpose(*, autocomplete: str | None, hints: str, input_type: str) -> str | None:
    """What a field asks for, as an autofill token, or ``None`` if unrecognised.

    ``hints`` is the field's name, id and label run together.
    """
    token = autofill_token(autocomplete)
    if token:
        return token
    if input_type in ("email", "tel"):
        return input_type
    if input_type == "password":
        return "new-password"  # sign-in forms are not checkout fields: this one creates an account
    if input_type in ("checkbox", "radio", "hidden", "file", "range", "color"):
        return None
    for purpose, pattern in _PURPOSE_PATTERNS:
        if pattern.search(hints):
            return purpose
    return None


def has_fitting_keyboard(
    purpose: str | None, input_type: str, inputmode: str | None, pattern: str | None
) -> bool | None:
    """Whether a phone shows the right keyboard; ``None`` when the purpose needs none."""
    if purpose not in KEYBOARDS:
        return None
    types, modes = KEYBOARDS[purpose]
    if input_type in types or (inputmode or "").lower() in modes:
        return True
    # iOS shows the number pad for pattern="[0-9]*" or "\d*".
    return purpose in ("cc-number", "cc-csc") and bool(_DIGITS_PATTERN.match(pattern or ""))


def expected_keyboard(purpose: str) -> str:
    """How to ask for the right keyboard, for a how-to-fix text."""
    return {
        "email": 'type="email"',
        "tel": 'type="tel"',
        "cc-number": 'inputmode="numeric"',
        "cc-csc": 'inputmode="numeric"',
    }.get(purpose, "")
