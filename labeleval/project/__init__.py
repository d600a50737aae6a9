"""The project: its manifest read and checked, the canonical schema and the ledger."""
