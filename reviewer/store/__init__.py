"""The central store (issue 10), Qt-free: a FastAPI service holding footage blobs keyed by SHA-256 and taking
resumable tus uploads. Embedded default = SQLite + filesystem blobs; production = PostgreSQL + S3; one code path.

Server dependencies live in the optional `store` extra; importing this package alone pulls none of them in.
"""
