"""BWV Reviewer core: Qt-free library, media, annotation, redaction, export and audit logic."""

__version__ = "0.1.0"
