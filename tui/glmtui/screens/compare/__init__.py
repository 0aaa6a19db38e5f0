"""The A/B compare screen: the screen, its per-pane model resolution, and its dialogs."""
