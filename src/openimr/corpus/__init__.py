"""Corpus: published Final Determination Letters into records; replay evaluation."""
