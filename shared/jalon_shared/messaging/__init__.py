"""Kafka plumbing: broker factory, outbox relay, idempotent consumers and dead letters."""
