"""Threads, tasks, rooms and the call log: the service's rules, free of I/O."""
