"""The speakers' area and their downloads."""
