"""Use cases of the scheduling context: templates, scheduled messages, settings, dispatch.

Staff handlers take the tenant and the caller (``user_id``, ``role``) from their command, which
the edge builds from the verified token. Each change by a person appends one audit entry; the
dispatcher appends one per final outcome (SENT or FAILED), none per claim, deferral or retry.
"""
