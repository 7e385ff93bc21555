"""Summaries, signing ceremonies, evidence trails and the document space: not modelled yet."""
