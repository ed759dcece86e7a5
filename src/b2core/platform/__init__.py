"""Platform: system and growth settings, audit, email and secrets."""
