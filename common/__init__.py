"""Plumbing every stage may use and that knows no stage (DESIGN.md, first section)."""
