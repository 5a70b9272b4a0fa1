"""Pieces shared by every domain: errors, identifiers, cursors, secrets and the database."""
