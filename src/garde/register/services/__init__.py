"""State changes of the register, one module per concern: ``activities`` (editing the working
register) and ``publishing`` (versions, the default register)."""
