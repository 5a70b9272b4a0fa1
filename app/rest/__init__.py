"""The platform's ``/v1`` complaint endpoints, served from the same service as GraphQL."""
