"""Screens: each owns one view of the app and its bindings; styles live in a .tcss beside it."""
