"""The redaction editor: drawing, masks panel, timeline lanes, preview, tracking assist, review walk."""
