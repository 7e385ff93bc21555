"""Event contracts: the one place they are defined."""
