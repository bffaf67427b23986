"""Garde: privacy operations that make a personal-data policy true and provable."""

__version__ = "0.1.0"
