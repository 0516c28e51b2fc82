"""Governance: users and roles, permissions, retention and legal hold, and the tamper-evident audit chain."""
