"""The native complaint store: tables, SQL repository, rules, loaders, import and demo data."""
