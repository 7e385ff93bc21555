"""Use cases, one file each; the case-access check is shared (jalon_shared.directory)."""
