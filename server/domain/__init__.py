"""Entities' rules and value objects. Knows nothing of Flask, SQL or HTTP."""
