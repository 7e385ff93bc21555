"""Dev-only tools: the embedded stack, `make run` and the dev token command; never in images."""
