"""Multi-camera incidents (issue 13 s.1): the incident clock, its offsets as operations, and alignment by audio.
ADR 0019."""
