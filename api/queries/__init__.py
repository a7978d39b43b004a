"""Root query and subscription fields, one module per area (beside api/mutations/)."""
