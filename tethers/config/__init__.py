"""User-written files: inventories (and later policies, scenarios), parsed with errors that name the line."""
