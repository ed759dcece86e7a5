"""Conversations: channels, the messages customers and the business exchange, and the inbox."""
