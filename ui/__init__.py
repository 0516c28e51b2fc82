"""PySide6 front end for BWV Reviewer; imports the Qt-free core in `reviewer`, never the reverse."""
