"""A simulated LinkedIn network on localhost: members, platform rules, seeded responses."""
