"""Pages, forms and the composition root."""
