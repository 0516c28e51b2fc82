"""Synchronised multi-camera review (issue 13 s.3): an incident's recordings side by side on its one clock."""
