"""Exact frames in reverse order, for reverse play.

Codecs only decode forwards, so reverse play works a segment at a time: a segment is a run of frames [lo, hi]
that fits a byte budget, normally one whole GOP. Its frames are decoded forwards through the exact reader, held
(as YUV) and handed out backwards, while the next segment down is decoded in the gaps. A GOP longer than the
budget is split into several segments, each decoded from the GOP's keyframe (more decoding, bounded memory).

At the start the feeder holds back its first segment until the one below is decoded too: the first segment is
often short (the run starts anywhere in a GOP), and presenting it at once would leave one short segment's time to
decode a whole GOP. The start costs up to two GOPs of decoding instead of a burst of dropped frames.

Decoding the segment below is paced to the presentation of the current one (decode_wanted): PACE times as fast
as the current one is shown (so it is ready when half of it has been), plus a few frames' head start. That
spreads it over the segment's screen time as forward play's decoding is, instead of a burst of a whole GOP that
takes the cores (and the GIL) from the UI thread just as a new segment starts and makes it miss frames. A
decoder slower than that is never held back.

The feeder does one small step of work per call, so the decode thread can interleave it with handing frames to
the presenter and notice a stop at once. Qt-free.
"""

from __future__ import annotations

from reviewer.media.frame_reader import Frame, FrameReader
from reviewer.media.frametable import FrameTable

REVERSE_SEGMENT_BYTES = 192 * 1024 * 1024  # per segment; two are held (one shown, one decoded ahead)
MIN_SEGMENT_FRAMES = 4
PACE = 2.0  # the segment below is decoded at most this many times as fast as the current one is shown
HEAD_START = 6  # frames of it that may be decoded at once (the seek and the keyframe cost the most)


def segment_frames(frame_bytes: int, budget: int = REVERSE_SEGMENT_BYTES) -> int:
    return max(MIN_SEGMENT_FRAMES, budget // max(1, frame_bytes))


class ReverseFeeder:
    """Frames first, first-1, ..., 0 (each exactly frame N), decoded a segment at a time."""

    def __init__(self, reader: FrameReader, table: FrameTable, first: int, max_frames: int):
        self.reader = reader
        self.table = table
        self.max_frames = max(MIN_SEGMENT_FRAMES, int(max_frames))
        self._ready: list[Frame] = []  # current segment, ascending; handed out from the end
        self._ready_size = 0  # frames the current segment had when it became current
        self._next: list[Frame] = []  # the segment below, being decoded
        self._next_lo = self._next_hi = -1
        self._next_at = 0  # next index of that segment to decode
        self._upper = min(int(first), table.frame_count - 1)  # highest index not yet planned
        self.segments = 0
        self._primed = False  # True once the first segment may be handed out
        self._plan()

    def _plan(self) -> None:
        hi = self._upper
        if hi < 0:
            self._next_lo = self._next_hi = -1
            return
        lo = max(self.table.keyframe_index_at_or_before(hi), hi - self.max_frames + 1)
        self._next_lo, self._next_hi, self._next_at = lo, hi, lo
        self._next = []
        self._upper = lo - 1
        self.segments += 1

    def skip_to(self, index: int) -> None:
        """The presenter's clock is already at or below frame `index`: frames above it would only be late, so
        plan no new segment above it. A segment already being decoded is finished (its late frames are skipped
        by the caller)."""
        if index < 0:
            return
        if index < self._next_hi and not self._next and self._next_at == self._next_lo:
            self._upper = index
            self._plan()
        elif index < self._upper:
            self._upper = index

    # ---- the decode thread's steps -------------------------------------------------------------------------
    def pending_decode(self) -> bool:
        return self._next_hi >= 0 and self._next_at <= self._next_hi

    def decode_wanted(self) -> bool:
        """Decoding is due now: before the start, when the current segment has run out, or while the segment
        below is behind its pace."""
        if not self.pending_decode():
            return False
        if not self._primed or not self._ready:
            return True
        shown = 1.0 - len(self._ready) / max(1, self._ready_size)
        size = self._next_hi - self._next_lo + 1
        return self._next_at - self._next_lo < HEAD_START + PACE * shown * size

    def decode_step(self) -> None:
        """Decode one more frame of the segment below (the first call of a segment seeks to its keyframe and
        decodes forward to lo, which the reader does in one go)."""
        i = self._next_at
        frame = self.reader.frame(i)
        self._next.append(frame)
        self._next_at = i + 1
        if self._next_at > self._next_hi:
            if not self._primed and self._ready:
                self._primed = True  # the first segment and the one below it are both decoded
            elif not self._ready:
                self._promote()

    def _promote(self) -> None:
        self._ready, self._next = self._next, []
        self._ready_size = len(self._ready)
        self._plan()
        if not self._primed and self._next_hi < 0:
            self._primed = True  # nothing below the first segment to wait for

    def pop(self) -> Frame | None:
        """The next frame to present (lower index than the last), or None while its segment is still decoding."""
        if not self._ready and not self.pending_decode() and self._next:
            self._promote()
        if not self._ready or not self._primed:
            return None
        frame = self._ready.pop()
        if not self._ready and not self.pending_decode() and self._next:
            self._promote()
        return frame

    def peek_index(self) -> int | None:
        return self._ready[-1].index if self._ready else None

    @property
    def finished(self) -> bool:
        return not self._ready and not self._next and not self.pending_decode()

    def held_bytes(self) -> int:
        return sum(f.nbytes for f in self._ready) + sum(f.nbytes for f in self._next)
