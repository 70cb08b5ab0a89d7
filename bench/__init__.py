"""`make bench`: the benchmark against Rasa's starter bot (not a test)."""
