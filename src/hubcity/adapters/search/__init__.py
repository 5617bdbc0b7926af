"""Catalogue search: text analysis that turns titles, descriptions and queries into terms."""
