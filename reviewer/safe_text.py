"""Text leaving the program for a terminal or a spreadsheet, where user-supplied strings must not act.

File names, titles, notes and incident references come from whoever made the footage or the sidecar. Printed
raw, an ESC or C1 sequence can rewrite the terminal (hide a line, fake a prompt, set the window title) and a
bidi override can make "PC 4512" read as another officer; in a CSV opened by a spreadsheet, a cell starting with
"=" runs as a formula.
"""

from __future__ import annotations

import csv
import io
import unicodedata

# C0 and C1 controls, DEL, format characters (bidi overrides and isolates, zero-width), line/paragraph separators
_ESCAPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON has no 5-digit escape: a UTF-16 surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def for_terminal(text: object) -> str:
    """`text` with every control, format and separator character shown as a visible escape (\\x1b, \\n,
    \\u202e): nothing a terminal would act on, nothing that reorders the line, one line stays one line."""
    s = str(text)
    if s.isprintable():  # the common case, and cheap
        return s
    return "".join(_escape(c) if unicodedata.category(c) in _ESCAPED_CATEGORIES else c for c in s)


def json_for_terminal(text: str) -> str:
    """JSON text (as json.dumps makes it) with C1, DEL and format characters written as \\u escapes: still the
    same JSON value, but safe to print. json.dumps already escapes C0 controls, even with ensure_ascii=False."""
    return "".join(_json_escape(c) if ord(c) > 0x7e and unicodedata.category(c) in _ESCAPED_CATEGORIES
                   else c for c in text)


def csv_cell(value: object) -> object:
    """A text cell a spreadsheet would evaluate (leading = + - @ tab CR) gets a leading apostrophe, which
    spreadsheets treat as "this is text" (OWASP CSV injection advice). Numbers and None pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_text(fieldnames: list[str], rows) -> str:
    """CSV with a header row and every text cell passed through csv_cell: the one CSV writer for exports."""
    buf = io.StringIO()
    # CRLF as RFC 4180 says: the writer then quotes any field holding a CR or LF; with "\n" alone a title with
    # a bare CR was written unquoted and the file no longer parsed
    w = csv.DictWriter(buf, fieldnames=fieldnames, lineterminator="\r\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: csv_cell(v) for k, v in row.items()})
    return buf.getvalue()
