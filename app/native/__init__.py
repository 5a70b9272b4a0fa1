"""The native complaint store: tables, models, SQL repository, rules (service) and import."""
