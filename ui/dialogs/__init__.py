"""Modal dialogs: go-to, shortcuts help, progress, import report."""
