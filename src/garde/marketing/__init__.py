"""Marketing: contact and callback forms, newsletter, commercial contacts."""
