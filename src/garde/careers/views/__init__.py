"""Careers pages: the public careers page and application form, and HR's console."""
