"""One view over both sources: the unified complaint timeline and its summary."""
