"""The legacy WhatCounts list complaint report: accounts, the report use case and reader,
the HTTP client with its retry policy, the page cache and parsing."""
