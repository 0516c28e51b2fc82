"""Why footage is consulted or disclosed (DPA 2018 s62): the picklist the UI offers and how an answer is written.

The answer is stored as one line, "<purpose>: <free text>", so the audit trail reads without a lookup table and
an export keeps its meaning outside the app.
"""

from __future__ import annotations

from reviewer.errors import ReviewerError

PURPOSES = (
    "complaint investigation",
    "professional standards case",
    "disclosure request",
    "training",
    "other",
)
MAX_TEXT = 2000


def compose(purpose: str, text: str = "") -> str:
    """The justification for a picklist choice plus free text. "other" needs the text to say what it is."""
    purpose = purpose.strip().lower()
    if purpose not in PURPOSES:
        raise ReviewerError(f"unknown purpose {purpose!r}: choose one of {', '.join(PURPOSES)}")
    text = " ".join(text.split())
    if purpose == "other" and not text:
        raise ReviewerError("purpose 'other' needs a few words saying why the footage is opened")
    return clean_reason(f"{purpose}: {text}" if text else purpose)


def clean_reason(reason: str | None, what: str = "reason", required: bool = False) -> str | None:
    """One line of text, or None. Required reasons (clearing a mark, a hold) must say something."""
    text = " ".join((reason or "").split())
    if not text:
        if required:
            raise ReviewerError(f"a {what} is required")
        return None
    if len(text) > MAX_TEXT:
        raise ReviewerError(f"{what} is too long ({len(text)} characters; at most {MAX_TEXT})")
    return text


def command_purpose(argv: list[str]) -> str:
    """The justification recorded when a CLI command that opens footage was given no --reason."""
    return clean_reason("command: reviewer " + " ".join(argv)) or "command: reviewer"
