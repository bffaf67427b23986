"""Breach register."""
