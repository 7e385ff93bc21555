"""HTTP routes, subscribers and the composition root."""
