"""Language tools: the project's spaCy pipeline (the safety layer is bot/safety/)."""
