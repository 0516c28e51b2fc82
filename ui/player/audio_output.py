"""Audio through QAudioSink in push mode, and the audio position the presentation clock follows.

A feeder thread decodes PCM (reviewer.media.audio_decode) into a bounded buffer; a UI-thread timer copies what
the sink can take. With no output device (CI, offscreen, headless servers) `available` is False and the player
runs on its monotonic clock instead; nothing here raises for a missing device.
"""

from __future__ import annotations

import threading
from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices, QtAudio

from reviewer.media.audio_decode import AudioDecoder

# fn(pcm s16 interleaved bytes, channels, media time of the first sample, samples per media second) -> bytes
PcmFilter = Callable[[bytes, int, float, float], bytes]

BUFFER_SECONDS = 0.5  # decoded audio kept ahead of the sink
PREROLL_SECONDS = 0.12  # decoded before playback starts, so the first writes do not underrun


class _Feed:
    """PCM bytes from a decode thread, bounded; the consumer takes them on the UI thread."""

    def __init__(self, decoder_args: dict, start: float, speed: float, cap: int,
                 pcm_filter: PcmFilter | None = None):
        self._cond = threading.Condition()
        self._filter = pcm_filter
        self._buf = bytearray()
        self._cap = cap
        self._discard = 0  # bytes still to drop from what the decoder produces next
        self.finished = False
        self.error: str | None = None
        self._stop = False
        self._args, self._start, self._speed = decoder_args, start, speed
        self._thread = threading.Thread(target=self._run, name="audio-feed", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with AudioDecoder(**self._args) as dec:
                channels = dec.out_channels
                # samples per media second: one output second covers `speed` media seconds
                rate = dec.out_rate / self._speed
                decoded = 0  # sample frames produced so far; the filter needs each chunk's media time
                for chunk in dec.pcm(self._start, self._speed, stop=lambda: self._stop):
                    n = len(chunk) // (2 * channels)
                    if self._filter is not None and n:
                        chunk = self._filter(chunk, channels, self._start + decoded / rate, rate)
                    decoded += n
                    with self._cond:
                        while len(self._buf) >= self._cap and not self._stop:
                            self._cond.wait(0.1)
                        if self._stop:
                            return
                        if self._discard:
                            cut = min(self._discard, len(chunk))
                            chunk, self._discard = chunk[cut:], self._discard - cut
                        self._buf += chunk
        except Exception as exc:  # audio trouble must never stop the picture
            self.error = str(exc)
        finally:
            with self._cond:
                self.finished = True

    def buffered(self) -> int:
        with self._cond:
            return len(self._buf)

    def take(self, n: int) -> bytes:
        with self._cond:
            data = bytes(self._buf[:n])
            del self._buf[:n]
            self._cond.notify_all()
            return data

    def discard(self, n: int) -> None:
        """Drop the next `n` bytes of sound (buffered first, then as they are decoded)."""
        with self._cond:
            now = min(n, len(self._buf))
            del self._buf[:now]
            self._discard += n - now
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(2.0)


class AudioOutput(QObject):
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._device = QMediaDevices.defaultAudioOutput()
        self._format = self._choose_format()
        self._sink: QAudioSink | None = None
        self._io = None
        self._feed: _Feed | None = None
        self._start_media = 0.0
        self._skipped_media = 0.0
        self._speed = 1.0
        self._pcm_filter: PcmFilter | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._pump)

    def _choose_format(self) -> QAudioFormat | None:
        if self._device.isNull():
            return None
        fmt = self._device.preferredFormat()
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        fmt.setChannelCount(min(2, max(1, fmt.channelCount())))
        if not self._device.isFormatSupported(fmt):
            fmt.setSampleRate(48000)
            fmt.setChannelCount(2)
            if not self._device.isFormatSupported(fmt):
                return None
        return fmt

    @property
    def available(self) -> bool:
        return self._format is not None

    @property
    def active(self) -> bool:
        return self._feed is not None

    def set_pcm_filter(self, fn: PcmFilter | None) -> None:
        """Applied on the feeder thread to decoded sound before it is buffered (the redaction preview's
        mute/bleep). Takes effect from the next prepare(); sound already buffered (<= BUFFER_SECONDS) plays as
        it is."""
        self._pcm_filter = fn

    def prepare(self, path, origin_seconds: float, media_time: float, speed: float) -> bool:
        """Start decoding from `media_time`; playback begins on `begin()`. False when there is no device."""
        self.stop()
        if self._format is None:
            return False
        rate, ch = self._format.sampleRate(), self._format.channelCount()
        args = dict(path=path, out_rate=rate, out_channels=ch, origin_seconds=origin_seconds)
        self._feed = _Feed(args, media_time, speed, cap=int(BUFFER_SECONDS * rate * ch * 2) // 4 * 4,
                           pcm_filter=self._pcm_filter)
        self._start_media, self._speed = media_time, speed
        self._skipped_media = 0.0
        return True

    def ready(self) -> bool:
        f = self._feed
        if f is None:
            return True
        need = int(PREROLL_SECONDS * self._format.sampleRate()) * self._format.bytesPerFrame()
        return f.finished or f.buffered() >= need

    def begin(self) -> None:
        if self._feed is None:
            return
        self._sink = QAudioSink(self._device, self._format, self)
        self._sink.setBufferSize(int(0.2 * self._format.sampleRate()) * self._format.bytesPerFrame())
        self._io = self._sink.start()
        if self._sink.error() != QtAudio.Error.NoError or self._io is None:
            self._fail("the audio device refused to start")
            return
        self._pump()
        self._timer.start()

    def _pump(self) -> None:
        f, sink, io = self._feed, self._sink, self._io
        if f is None or sink is None or io is None:
            return
        if f.error:
            self._fail(f.error)
            return
        frame = self._format.bytesPerFrame()
        free = sink.bytesFree() // frame * frame
        if free > 0:
            data = f.take(free)
            if data:
                io.write(data)

    def media_position(self) -> float | None:
        """Media time of the sample now being heard, or None when audio is not a usable clock (not started,
        finished, or failed)."""
        f, sink = self._feed, self._sink
        if f is None or sink is None or sink.state() == QtAudio.State.StoppedState:
            return None
        if f.finished and f.buffered() == 0 and sink.state() == QtAudio.State.IdleState:
            return None  # audio ran out before the video: let the monotonic clock carry on
        played = sink.processedUSecs() / 1e6
        if played <= 0:
            return None  # some devices take a while to start pulling data
        return self._start_media + self._skipped_media + played * self._speed

    def skip(self, media_seconds: float) -> None:
        """Audio fell behind the picture (slow device start, underrun): drop sound rather than rewind video."""
        f = self._feed
        if f is None or media_seconds <= 0:
            return
        frames = int(media_seconds / self._speed * self._format.sampleRate())
        f.discard(frames * self._format.bytesPerFrame())
        self._skipped_media += frames / self._format.sampleRate() * self._speed

    def _fail(self, message: str) -> None:
        self.stop()
        self.failed.emit(f"audio disabled: {message}")

    def stop(self) -> None:
        self._timer.stop()
        if self._sink is not None:
            self._sink.stop()
            self._sink.deleteLater()
        self._sink = None
        self._io = None
        if self._feed is not None:
            self._feed.stop()
        self._feed = None
