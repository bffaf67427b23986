"""Register views: ``notice`` (the public privacy notice and the rights-request form) and
``console`` (editing, versions, exports for the DPO)."""
