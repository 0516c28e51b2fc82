"""Generate demo body-worn footage locally (no downloads): two officers' recordings of one incident, whose second
camera's clock is wrong by a few seconds (as real ones are), so the multi-camera grid and audio alignment have
something true to find: both cameras hear the same street sounds at the same world moments.

Each recording is 1280x720 at 30 fps, H.264 (yuv420p, B-frames, 60-frame GOP) with AAC street audio, a burned-in
camera banner whose clock advances with the frames, the camera start time in the MP4 `creation_time` tag, and a
sidecar JSON (docs/sidecar.md) naming officer, device, start time and incident. Everything is seeded, so the
same call produces the same pictures and sound on every machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from reviewer.atomic import atomic_writer, fsync_dir
from reviewer.demo.camera import Walk, poses
from reviewer.demo.overlay import Lens, burn_banner, rgb_to_i420
from reviewer.demo.scene import Renderer
from reviewer.demo.sound import RATE, SoundPlan, step_times_from_phase, synthesise
from reviewer.demo.world import build_world
from reviewer.errors import MediaError
from reviewer.progress import NO_TASK, Task

WIDTH, HEIGHT, FPS = 1280, 720, 30
GOP = 60
PRESET = "veryfast"
DEMO_INCIDENT = "DEMO-2026-0001"
INCIDENT_START = dt.datetime(2026, 3, 14, 14, 37, 5, tzinfo=dt.timezone.utc)
AUDIO_CHUNK = 1024
FILE_MODE = 0o644  # temp files start private (mkstemp); finished footage is ordinary readable files
BT601, LIMITED = 6, 1  # AVCOL_SPC/PRI/TRC_SMPTE170M, AVCOL_RANGE_MPEG
# What the whole street hears, in world seconds: (when, which street sound: 0 horn, 1 slam, 2 shout). Irregular on
# purpose (evenly spaced sounds would correlate as well one spacing off as at the truth), and frequent enough that
# the cameras' 30 s overlap correlates well above alignment's confidence floor (NCC 0.40, PSR 21; the floor is
# 0.2 and 10), over each camera's own footsteps, voices and traffic.
STREET = ((1.5, 2), (13.7, 1), (15.0, 1), (16.0, 1), (17.2, 0), (19.9, 1), (21.1, 1), (22.6, 1), (24.1, 2), (25.6, 1),
          (26.8, 2), (27.9, 1), (32.4, 0), (33.7, 2), (35.1, 2), (37.0, 1), (38.6, 2), (42.2, 1), (43.4, 2), (44.5, 0),
          (45.4, 0), (47.9, 2), (48.8, 2), (49.6, 1), (52.0, 2), (54.6, 0), (56.2, 2), (59.0, 1), (61.6, 0), (65.2, 0),
          (67.5, 0), (68.6, 2), (70.6, 1), (72.1, 2))


@dataclass(frozen=True)
class DemoRecording:
    file_name: str
    officer_id: str
    device_id: str
    offset: float  # seconds after the incident clock's zero when this camera started
    seconds: float
    walk: Walk
    siren: tuple[float, float] | None = None  # recording-local seconds
    speech: tuple[tuple[float, float, float, float], ...] = field(default=())
    incident_start: dt.datetime = INCIDENT_START
    clock_error: float = 0.0  # seconds the camera's own clock is ahead of true time
    hearing: float = 1.0  # how loud the street's sounds reach this camera

    @property
    def start_time(self) -> dt.datetime:
        """When the camera really started (the world's clock)."""
        return self.incident_start + dt.timedelta(seconds=self.offset)

    @property
    def camera_start(self) -> dt.datetime:
        """When the camera says it started: its file name, metadata, sidecar and banner all read its own clock."""
        return self.start_time + dt.timedelta(seconds=self.clock_error)

    def heard(self) -> tuple[tuple[float, int, float, int], ...]:
        """The street's sounds in this recording's own seconds (SoundPlan.heard)."""
        return tuple((when - self.offset, which, self.hearing, 7000 + n) for n, (when, which) in enumerate(STREET)
                     if -1.0 < when - self.offset < self.seconds)

    @property
    def frame_count(self) -> int:
        return max(1, int(round(self.seconds * FPS)))


def demo_recordings(seconds: float = 75.0, incident_start: dt.datetime = INCIDENT_START) -> list[DemoRecording]:
    """The incident: PC 2231 walks up the street and stops to speak to a passer-by; PC 1187 arrives 36 s later
    on the opposite pavement walking back down it, wearing a camera whose clock is 6.28 s fast (so its own
    account puts it 42.28 s after PC 2231 until the recordings are aligned by their sound). File names carry each
    camera's start by its own clock, as real BWV exports do."""
    second = min(30.0, seconds)
    recs = [
        DemoRecording(
            "AXN-BWV-4417_20260314T143705Z.mp4", "PC 2231", "AXN-BWV 4417", 0.0, seconds,
            Walk(start_z=0.0, lane_x=-5.8, speed=1.35, stops=((20.0, 34.0),),
                 looks=((27.0, 4.0, 38.0), (31.5, 2.5, -30.0), (52.0, 3.0, 25.0)), seed=11),
            siren=(44.0, 60.0),
            speech=((22.5, 25.5, 118.0, 1.0), (26.2, 27.8, 205.0, 0.45), (28.4, 31.0, 118.0, 1.0)),
        ),
        DemoRecording(
            "AXN-BWV-4432_20260314T143741Z.mp4", "PC 1187", "AXN-BWV 4432", 36.0, second,
            Walk(start_z=88.0, lane_x=5.7, speed=1.45, stops=((11.0, 21.0),),
                 looks=((15.0, 4.0, 42.0), (19.5, 2.0, -20.0)), seed=23, direction=-1),
            siren=(8.0, 24.0),
            speech=((13.0, 15.5, 150.0, 1.0), (17.0, 18.5, 150.0, 0.9)),
            clock_error=6.28, hearing=0.8,
        ),
    ]
    out = []
    for r in recs:
        r = replace(r, incident_start=incident_start)
        device = r.file_name.split("_")[0]
        out.append(replace(r, file_name=f"{device}_{r.camera_start:%Y%m%dT%H%M%S}Z.mp4"))
    return out


def sidecar_for(video: Path) -> Path:
    """`clip.mp4` -> `clip.mp4.json`, the first name the library looks for (docs/sidecar.md)."""
    return video.with_name(video.name + ".json")


def sidecar_json(rec: DemoRecording) -> str:
    start = rec.camera_start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rec.camera_start.microsecond // 1000:03d}Z"
    return json.dumps({"officer_id": rec.officer_id, "device_id": rec.device_id, "start_time": start,
                       "incident_ref": DEMO_INCIDENT}, indent=2) + "\n"


def generate_demo(folder: Path, task: Task = NO_TASK, seconds: float = 75.0,
                  incident_start: dt.datetime = INCIDENT_START) -> list[Path]:
    """Write the demo recordings and their sidecars into `folder`; returns the video paths.

    Videos are encoded under hidden temporary names and only renamed into place once every recording is
    complete, so a cancelled or failed run leaves nothing that looks like finished footage.
    """
    if seconds <= 0:
        raise ValueError("demo length must be positive")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    recordings = demo_recordings(seconds, incident_start)
    total = sum(r.frame_count for r in recordings)
    world = build_world()
    renderer = Renderer(world, WIDTH, HEIGHT)
    lens = Lens(WIDTH, HEIGHT)
    temps: list[Path] = []
    try:
        done = 0
        for n, rec in enumerate(recordings, start=1):
            fd, name = tempfile.mkstemp(prefix=f".{rec.file_name}.", suffix=".part", dir=folder)
            os.fchmod(fd, FILE_MODE)
            os.close(fd)
            tmp = Path(name)
            temps.append(tmp)
            _encode(tmp, rec, renderer, lens, task, done, total, f"recording {n} of {len(recordings)}")
            done += rec.frame_count
        task.check("demo footage")
        finished = []
        for rec, tmp in zip(recordings, temps):
            target = folder / rec.file_name
            with atomic_writer(sidecar_for(target), "w") as fh:
                fh.write(sidecar_json(rec))
                os.fchmod(fh.fileno(), FILE_MODE)
            os.replace(tmp, target)
            finished.append(target)
        fsync_dir(folder)
        task.report(1.0, "demo footage ready")
        return finished
    finally:
        for tmp in temps:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def _encode(path: Path, rec: DemoRecording, renderer: Renderer, lens: Lens, task: Task, done: int,
            total: int, which: str = "") -> None:
    frames = rec.frame_count
    cam_poses, phase = poses(rec.walk, frames, FPS)
    audio = soundtrack(rec, phase)
    start = rec.camera_start
    try:
        out = av.open(str(path), "w", format="mp4", container_options={"movflags": "+faststart"})
    except av.error.FFmpegError as exc:
        raise MediaError(path, f"cannot be written ({exc})") from None
    with out:
        # the camera's clock: what the library reads when there is no sidecar
        out.metadata["creation_time"] = start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        out.metadata["comment"] = "Synthetic demo footage generated by BWV Reviewer; not evidence."
        vs = out.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        frame_tb = Fraction(1, FPS)
        vs.time_base = frame_tb
        vs.codec_context.time_base = frame_tb
        vs.options = {"preset": PRESET, "crf": "23",
                      "x264-params": f"keyint={GOP}:min-keyint={GOP}:scenecut=0:bframes=2"}
        cc = vs.codec_context
        # the planes come from cv2's BT.601 conversion (5x cheaper than swscale's BT.709 here): say so, so players
        # and our own RGB conversion decode the colours as they were made
        cc.colorspace, cc.color_primaries, cc.color_trc, cc.color_range = BT601, BT601, BT601, LIMITED
        aus = out.add_stream("aac", rate=RATE)
        aus.layout = "mono"
        aus.bit_rate = 96_000
        sent = 0
        for i in range(frames):
            if i % 8 == 0:
                task.check("demo footage")
                task.report((done + i) / total, f"Generating demo footage, {which} (officer {rec.officer_id})")
            yuv = lens.apply(rgb_to_i420(renderer.render(cam_poses[i], rec.offset + i / FPS)))
            burn_banner(yuv, HEIGHT, rec.device_id, rec.officer_id, start + dt.timedelta(seconds=i / FPS))
            vf = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            vf.colorspace, vf.color_range = BT601, LIMITED
            vf.pts = i
            vf.time_base = frame_tb  # not vs.time_base: the muxer changes that to its own timescale
            out.mux(vs.encode(vf))
            # keep sound interleaved with the pictures it belongs to
            sent = _send_audio(out, aus, audio, sent, int((i + 1) * RATE / FPS))
        out.mux(vs.encode(None))
        _send_audio(out, aus, audio, sent, audio.size)
        out.mux(aus.encode(None))
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def soundtrack(rec: DemoRecording, phase: np.ndarray | None = None) -> np.ndarray:
    """The recording's sound (mono float32 at RATE); `phase`: its walk's stride phase, if already worked out."""
    if phase is None:
        _poses, phase = poses(rec.walk, rec.frame_count, FPS)
    return synthesise(SoundPlan(rec.frame_count / FPS, rec.walk.seed, step_times_from_phase(phase, FPS), rec.siren,
                                rec.speech, rec.heard()))


def _send_audio(out, stream, samples: np.ndarray, sent: int, upto: int) -> int:
    while sent + AUDIO_CHUNK <= upto or (upto >= samples.size and sent < samples.size):
        chunk = samples[sent:sent + AUDIO_CHUNK]
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
        frame.sample_rate = RATE
        frame.pts = sent
        frame.time_base = Fraction(1, RATE)
        out.mux(stream.encode(frame))
        sent += chunk.size
    return sent
