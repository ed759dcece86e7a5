"""The inbound pipeline: one customer message through governance, the LLM and the outbox.

It sits above the bounded contexts (conversations, ai, orders, tenants, platform) and is the one
place that combines them, so that the contexts stay independent of each other.
"""
