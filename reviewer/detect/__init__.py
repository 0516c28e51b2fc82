"""Detection assist (issue 14): find faces on sampled frames, link them into tracks, propose them as masks."""
