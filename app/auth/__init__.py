"""Organizations, API keys, scopes and the permission classes that enforce them."""
