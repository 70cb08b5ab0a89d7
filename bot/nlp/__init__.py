"""Language tools: the project's spaCy pipeline and the rule-based safety layer."""
