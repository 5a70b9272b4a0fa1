"""The complaints gateway: one GraphQL API over the native complaint store and legacy reports."""
