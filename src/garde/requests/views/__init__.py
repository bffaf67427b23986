"""Views of the RGPD tab requests: ``portal`` (client users), ``public`` (people without an
account), ``console`` (operator staff)."""
