"""The unified complaint timeline over both sources."""
