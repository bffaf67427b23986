"""Pages of the breach register: the DPO console and the client's notices."""
