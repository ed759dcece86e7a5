"""Use cases of the conversations context: the staff inbox (``inbox``, ``replies``, ``queries``)
and storing what customers send (``inbound``, called inside the inbound pipeline's transaction).
"""
