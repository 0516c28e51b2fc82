"""Redaction: mask tracks and keyframes, the one interpolate() function, and effects on decoded planes."""
