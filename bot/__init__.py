"""Metastasis patient-education assistant: content, language tools, web widget and CLI."""
