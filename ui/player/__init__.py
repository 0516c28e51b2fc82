"""The player: exact-frame decode worker, presentation clock, audio output, video canvas and transport bar."""
