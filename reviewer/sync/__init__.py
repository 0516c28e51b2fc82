"""The workstation's side of the central store (issue 11): sync, sign-in and footage on demand. Qt-free."""
