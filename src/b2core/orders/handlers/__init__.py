"""Use cases of the orders context: the catalog (``services``), orders (``orders``), reads.

The read commands live in ``queries``; every handler takes the tenant from its command, which
the edge builds from the verified token (or a job carrying it), never from a request body.
"""
