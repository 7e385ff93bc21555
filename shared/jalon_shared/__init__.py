"""Jalon shared package: event contracts and the plumbing every service uses."""
