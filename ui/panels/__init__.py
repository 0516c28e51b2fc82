"""Dockable side panels: library and recording info."""
