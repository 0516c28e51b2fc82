"""Media layer: probing, the frame table, exact frame access, time conversions and thumbnails."""
