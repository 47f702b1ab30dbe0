"""Extraction rules as data (YAML). A package only so that the files ship with openimr."""
