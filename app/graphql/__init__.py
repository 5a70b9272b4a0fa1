"""The GraphQL API: one package per domain, shared pieces in ``core``."""
