"""Annotation, evidential marking, retention and audit UI (issue 3). The core does the work (reviewer.annotate,
reviewer.govern); these widgets display it and pass the user's requests back through the undoable service."""
