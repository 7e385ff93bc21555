"""Jalon web front: sign-in and the pages of the three personas."""
