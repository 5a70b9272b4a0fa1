"""The legacy WhatCounts list complaint report: accounts, client, parsing, loaders, simulator."""
