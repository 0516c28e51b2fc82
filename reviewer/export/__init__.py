"""Export: decode -> redact -> encode, with a leak check of the output, a manifest, a report and verification."""
