"""Words for retention and evidential status: the library list's short badge and the info panel's lines.
Both come from Retention.status (one query for the whole library), the same numbers the CLI prints."""

from __future__ import annotations

import datetime as dt
from typing import Callable

from reviewer.errors import ReviewerError
from reviewer.govern.retention import DUE, EVIDENTIAL_KEPT, HELD, RETAINED, REVIEW_DUE, RetentionStatus


def _day(t: dt.datetime | None) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%d") if t else "?"


def _days(n: int | None) -> str:
    return "1 day" if n == 1 else f"{n} days"


def retention_text(st: RetentionStatus, short: bool = False) -> str:
    """One line for the info panel (short: fits a narrow dock) and the evidence tab (long: says the rule)."""
    if st.state == HELD:
        return "legal hold: never deleted while held"
    if st.state == EVIDENTIAL_KEPT:
        if short:
            return f"review on {_day(st.deadline)} · {_days(st.days_left)} left"
        return f"evidential, kept until review on {_day(st.deadline)} ({_days(st.days_left)} left)"
    if st.state == REVIEW_DUE:
        return f"evidential, review was due on {_day(st.deadline)}"
    if st.state == DUE:
        return f"DUE for deletion since {_day(st.deadline)}" + ("" if short else
                                                                 f" ({st.rule.replace('_', '-')} rule)")
    if short:
        return f"deleted on {_day(st.deadline)} · {_days(st.days_left)} left"
    since = "camera start" if st.recorded_at_source == "camera" else "import (camera start unknown)"
    return f"deleted on {_day(st.deadline)}: {_days(st.days_left)} left ({st.rule.replace('_', '-')}, from {since})"


def library_badge(st: RetentionStatus) -> str:
    """A short line under a recording in the library list."""
    parts = []  # short: the list elides long lines (the info panel has the dates)
    if st.evidential:
        parts.append("⚑ EVIDENTIAL" + (f" {st.references[0]}" if len(st.references) == 1 else ""))
    if st.held:
        parts.append("LEGAL HOLD")
    if st.state == REVIEW_DUE:
        parts.append("review due")
    elif st.state == DUE:
        parts.append("⚠ DUE for deletion")
    elif st.state == RETAINED:
        parts.append(f"{_days(st.days_left)} left")
    return " · ".join(parts)


def library_badges(retention) -> Callable[[], dict[str, str]]:
    """The LibraryPanel.badge_provider: recording id -> badge, read once per refresh."""
    def provide() -> dict[str, str]:
        try:
            return {st.recording_id: library_badge(st) for st in retention.status()}
        except ReviewerError:
            return {}
    return provide


def info_rows(session) -> Callable[[object], dict[str, tuple[str, str, str]]]:
    """The InfoPanel.extra_provider: key -> (text, style object name, tooltip) for the shown recording."""
    def provide(view) -> dict[str, tuple[str, str, str]]:
        ann = session.annotations
        try:
            marks = [m for m in ann.evidential.list(view.id, active_only=True)]
            st = session.retention.status_of(view.id)
        except ReviewerError:
            return {}
        if marks:
            whole = next((m for m in marks if m.clip_id is None), None)
            clips = [m for m in marks if m.clip_id]
            n = f"{len(clips)} clip{'s' if len(clips) > 1 else ''}"
            if whole is not None:
                text = f"⚑ YES — {whole.reference} ({whole.category})" + (f", and {n}" if clips else "")
            else:
                refs = ", ".join(sorted({m.reference for m in clips}))
                text = f"⚑ {n} — {refs}"
            tip = "\n".join(f"{'clip ' + repr(m.clip_name) if m.clip_id else 'recording'}: {m.reference}, "
                            f"{m.reason} (by {m.marked_by})" for m in marks)
            evidential = (text, "badgeFailed", tip)
        else:
            evidential = ("No", "", "Not marked evidential")
        style = "badgeWarn" if st.state in (DUE, REVIEW_DUE) else ""
        return {"evidential": evidential, "retention": (retention_text(st, short=True), style, retention_text(st))}
    return provide
