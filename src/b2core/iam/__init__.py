"""Identity and access: users, roles, passwords, tokens and permissions."""
