"""Demo footage for a first launch: synthetic body-worn recordings made locally, no downloads."""

from reviewer.demo.footage import DEMO_INCIDENT, demo_recordings, generate_demo, sidecar_for

__all__ = ["DEMO_INCIDENT", "demo_recordings", "generate_demo", "sidecar_for"]
