"""Service-domain rules with no Flask or database imports."""
