"""Vetted answers: the database schema, the loader from data/content/ and the lookup."""
