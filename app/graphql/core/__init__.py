"""Scalars, connection pieces and error formatting shared by every GraphQL domain."""
