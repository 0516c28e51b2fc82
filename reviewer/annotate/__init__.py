"""Annotations: bookmarks, clips, evidential marks, and the undo command stack."""
