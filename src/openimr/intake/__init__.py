"""Intake: case files and documents in; text, requests and clinical facts with evidence out."""
