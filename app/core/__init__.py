"""Pieces shared by every domain and importing none: errors, ids, cursors, secrets, the database."""
