"""The timeline: ruler and playhead scrubber; later lanes for bookmarks, clips and masks."""
