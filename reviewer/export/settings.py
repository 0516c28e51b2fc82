"""What an export is asked to do: ranges, encoder settings, overlays, and who is exporting for whom."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Overlays:
    redacted_banner: bool = False  # "REDACTED COPY" plus the incident reference
    incident_ref: str = ""
    watermark: str = ""  # recipient watermark text ("" = none)
    timestamp: bool = False  # per-frame camera date/time and frame number

    @property
    def any(self) -> bool:
        return self.redacted_banner or bool(self.watermark) or self.timestamp


@dataclass(frozen=True)
class EncoderSettings:
    preset: str = "veryfast"
    crf: int = 18  # visually lossless for x264: evidence copies should not look worse than the master
    audio: bool = True
    audio_bitrate: int = 128_000

    def __post_init__(self) -> None:
        presets = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
        if self.preset not in presets:
            raise ValueError(f"unknown x264 preset {self.preset!r}")
        if not 0 <= self.crf <= 51:
            raise ValueError(f"crf must be 0-51, got {self.crf}")


@dataclass(frozen=True)
class Provenance:
    operator: str
    role: str
    workstation: str
    purpose: str = ""
    recipient: str = ""
    recording_id: str | None = None
    incident_ref: str = ""
    approval: dict | None = None  # who approved the mask set, when, and the hash they pinned (approval.py)


@dataclass(frozen=True)
class ExportRequest:
    ranges: tuple[tuple[int, int], ...] = ()  # inclusive frame-index ranges; empty = the whole recording
    encoder: EncoderSettings = field(default_factory=EncoderSettings)
    overlays: Overlays = field(default_factory=Overlays)
    leak_check: bool = True

    def to_json(self) -> dict:
        return {"ranges": [list(r) for r in self.ranges], "encoder": asdict(self.encoder),
                "overlays": asdict(self.overlays), "leak_check": self.leak_check}
