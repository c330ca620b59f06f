"""What the partnership accepts as an email address: one bare mailbox, `local@domain.tld`, in printable ASCII.

No display name (`Bea <bea@x.org>`), no list, no quoted local part, no domain literal, no space or control
character, at most 254 characters: anything that could end up in a header other than as one address is refused
before it is stored (people.yaml, `--to`, `--by`, the task pages, the flows alike).
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address

MAX_ADDRESS_LENGTH = 254  # RFC 5321's limit on a forward path
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
BARE_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")


def address_problem(text: object) -> str | None:
    """Why `text` is not a bare email address, in a few words (never echoing it); None when it is one."""
    if not isinstance(text, str) or not text:
        return "an email address is needed"
    if any(not (0x21 <= ord(char) <= 0x7E) for char in text):
        return "an email address has no spaces, control characters or letters outside ASCII"
    if len(text) > MAX_ADDRESS_LENGTH:
        return f"an email address is at most {MAX_ADDRESS_LENGTH} characters"
    if "@" not in text:
        return "an email address needs an @"
    if not BARE_ADDRESS.fullmatch(text):
        return "give one bare address such as name@agency.example (no name, brackets, quotes or list)"
    try:
        parsed = Address(addr_spec=text)
    except (ValueError, HeaderParseError):
        return "give one bare address such as name@agency.example (no name, brackets, quotes or list)"
    if parsed.addr_spec != text:
        return "give one bare address such as name@agency.example (no name, brackets, quotes or list)"
    return None


def check_address(text: str) -> str:
    """`text` if it is a bare address; ValueError (for pydantic's validators) if not."""
    problem = address_problem(text)
    if problem:
        raise ValueError(problem)
    return text
