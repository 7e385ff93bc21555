"""Use cases of the web front, one file each."""
