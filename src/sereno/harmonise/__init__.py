"""Harmonisation: ICCS offence codes, controlled vocabularies, ES/EN labels."""
