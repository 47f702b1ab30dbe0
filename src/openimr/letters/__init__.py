"""Letters: Final Determination Letter templates and rendering."""
