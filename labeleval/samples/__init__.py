"""Deterministic generators of the bundled sample projects (synthetic data, illustrative vendors)."""
