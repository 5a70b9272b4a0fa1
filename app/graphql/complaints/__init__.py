"""Native complaints: types, queries, the status mutation."""
