"""X.509 for Content Credentials: the profile a signing certificate must meet (docs/c2pa-pki.md), trust anchors,
and a test CA for pilots and tests.

The profile is checked when a certificate is imported, so a force learns at set-up, in one line, what a C2PA
validator would otherwise only report on the recipient's side ("signingCredential.invalid").
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from reviewer.errors import ReviewerError

# EKUs C2PA validators accept for claim signing (C2PA 2.x, "Certificate profile")
C2PA_CLAIM_SIGNING = ObjectIdentifier("1.3.6.1.4.1.62558.2.1")
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")
ACCEPTED_EKUS = {ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING, C2PA_CLAIM_SIGNING,
                 ExtendedKeyUsageOID.TIME_STAMPING, ExtendedKeyUsageOID.OCSP_SIGNING}


class CertificateProblem(ReviewerError):
    """A certificate, chain or key that cannot sign Content Credentials; the message names the file."""


@dataclass(frozen=True)
class Chain:
    """A signing certificate and its issuers, leaf first, as PEM."""

    certs: tuple[x509.Certificate, ...]

    @property
    def leaf(self) -> x509.Certificate:
        return self.certs[0]

    def pem(self) -> str:
        return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in self.certs)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.leaf)

    @property
    def subject(self) -> str:
        return self.leaf.subject.rfc4514_string()


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def parse_chain(pem: bytes, where: str) -> Chain:
    try:
        certs = tuple(x509.load_pem_x509_certificates(pem))
    except ValueError as exc:
        raise CertificateProblem(f"{where}: not a PEM certificate chain ({exc})") from None
    if not certs:
        raise CertificateProblem(f"{where}: no certificate found")
    return Chain(certs)


def load_key(pem: bytes, where: str, password: bytes | None = None) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=password)
    except TypeError:
        raise CertificateProblem(f"{where}: the private key is encrypted; give its password") from None
    except ValueError as exc:
        raise CertificateProblem(f"{where}: not a PEM private key, or the password is wrong ({exc})") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise CertificateProblem(f"{where}: the key must be EC P-256 (ES256); this one is not")
    return key


def key_is_encrypted(pem: bytes) -> bool:
    return b"ENCRYPTED" in pem.split(b"\n", 1)[0] or b"Proc-Type: 4,ENCRYPTED" in pem


def check_profile(chain: Chain, where: str, now: dt.datetime | None = None) -> None:
    """Raise CertificateProblem unless the leaf can sign C2PA claims: EC P-256, not a CA, digitalSignature, an
    accepted EKU, inside its validity, and each certificate issued by the next one in the chain."""
    now = now or dt.datetime.now(dt.timezone.utc)
    leaf = chain.leaf
    pub = leaf.public_key()
    if not isinstance(pub, ec.EllipticCurvePublicKey) or not isinstance(pub.curve, ec.SECP256R1):
        raise CertificateProblem(f"{where}: the signing certificate's key must be EC P-256 (ES256)")
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        raise CertificateProblem(f"{where}: the signing certificate is valid only from {leaf.not_valid_before_utc:%Y-%m-%d} "
                                 f"to {leaf.not_valid_after_utc:%Y-%m-%d}")
    bc = _ext(leaf, x509.BasicConstraints)
    if bc is not None and bc.ca:
        raise CertificateProblem(f"{where}: the first certificate is a CA; put the signing (leaf) certificate first")
    ku = _ext(leaf, x509.KeyUsage)
    if ku is None or not ku.digital_signature:
        raise CertificateProblem(f"{where}: the signing certificate lacks the digitalSignature key usage")
    eku = _ext(leaf, x509.ExtendedKeyUsage)
    if eku is None or not set(eku) & ACCEPTED_EKUS:
        raise CertificateProblem(f"{where}: the signing certificate needs an extended key usage C2PA accepts "
                                 "(emailProtection, documentSigning or c2pa-kp-claimSigning)")
    for child, parent in zip(chain.certs, chain.certs[1:]):
        try:
            child.verify_directly_issued_by(parent)
        except (InvalidSignature, ValueError, TypeError) as exc:
            raise CertificateProblem(f"{where}: {child.subject.rfc4514_string()} is not issued by the next "
                                     f"certificate in the chain ({type(exc).__name__})") from None


def check_key_matches(chain: Chain, key: ec.EllipticCurvePrivateKey, where: str) -> None:
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*spki) != chain.leaf.public_key().public_bytes(*spki):
        raise CertificateProblem(f"{where}: this private key does not belong to the signing certificate")


def _ext(cert: x509.Certificate, kind):
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


# ---- trust anchors --------------------------------------------------------------------------------------------
def load_anchors(path: Path) -> str:
    """The CA certificates in a PEM file, or in every *.pem / *.crt file of a folder, as one PEM text."""
    path = Path(path)
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".pem", ".crt")) if path.is_dir() else [path]
    if path.is_dir() and not files:
        raise CertificateProblem(f"{path}: no .pem or .crt files in this trust-anchor folder")
    out = []
    for f in files:
        try:
            data = f.read_bytes()
        except OSError as exc:
            raise CertificateProblem(f"{f}: trust anchors cannot be read ({exc.strerror or exc})") from None
        out.append(parse_chain(data, str(f)).pem())
    return "".join(out)


# ---- a test CA (pilots and tests; never for real disclosures) -------------------------------------------------
def _name(common: str, org: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)])


def make_test_ca(org: str = "BWV Reviewer TEST CA (not for evidence)", leaf_name: str = "BWV Reviewer test signer",
                 days: int = 365) -> tuple[bytes, bytes, bytes]:
    """(CA certificate PEM, leaf chain PEM (leaf + CA), leaf PKCS#8 key PEM): an EC P-256 CA and a leaf with
    digitalSignature, the emailProtection EKU and AKI/SKI, the profile C2PA validators accept."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{org} root", org)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=days * 5))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(_name(leaf_name, org)).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return ca.public_bytes(pem), leaf.public_bytes(pem) + ca.public_bytes(pem), key_pem
