"""The desktop side of sync with the central store: status bar, conflicts panel, downloads dock, sign-in."""
