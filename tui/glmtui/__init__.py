"""glmtui: a terminal app for local LLMs served by Ollama."""

__version__ = "0.1.0"
