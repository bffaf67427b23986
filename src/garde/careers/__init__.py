"""Careers: job offers and applications."""
