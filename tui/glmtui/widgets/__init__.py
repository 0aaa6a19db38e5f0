"""Reusable widgets. Each owns its own small DEFAULT_CSS and talks upward only through messages."""
