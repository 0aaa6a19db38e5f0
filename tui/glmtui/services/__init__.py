"""Services: network, GPU, storage and maths. Nothing here imports Textual (a test enforces it)."""
