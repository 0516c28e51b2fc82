"""`python -m reviewer` runs the same entry point as the `reviewer` command."""

from reviewer.cli import main

if __name__ == "__main__":  # guarded: the Qt-free check imports every module, and must not launch the app
    raise SystemExit(main())
