"""WhatsApp Cloud API (official): the outbound channel over the Graph API and signed webhooks."""
