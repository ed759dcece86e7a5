"""Channel adapters for WAHA- and Evolution-style HTTP bridges to WhatsApp Web (unofficial)."""
