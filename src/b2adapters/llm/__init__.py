"""LLM adapters: the offline catalog responder and any OpenAI-compatible endpoint."""
