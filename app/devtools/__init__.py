"""Dev-only tools: the WhatCounts simulator and the demo data.

Nothing the gateway serves imports this package; only ``app.cli``, the tests and the
benchmarks do.
"""
