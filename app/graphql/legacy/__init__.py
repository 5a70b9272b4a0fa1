"""The legacy WhatCounts list complaint report."""
