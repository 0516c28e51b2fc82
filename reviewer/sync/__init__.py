"""The workstation's side of sync with the central store (issue 11), Qt-free: the one sync loop (loop.py) over the
store's operations API (client.py), woken by the store's events (wake.py), reporting through status.py."""
