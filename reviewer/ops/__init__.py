"""The operation model (ADR 0015): every change is an Operation applied by reviewer.ops.apply."""
