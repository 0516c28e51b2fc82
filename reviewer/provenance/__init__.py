"""Content Credentials (C2PA) on exports and stills (issue 15, ADR 0021).

certs.py (the certificate profile, trust anchors, the test CA), signer.py (the signing interface and the keyring
key behind it), identity.py (the workstation's signing identity in library_settings, `import-cert`), describe.py
(what the credential says, in words), embed.py (signing an MP4 or PNG), check.py (reading and validating one).
"""
