"""glmtui: a terminal app for local LLMs served by Ollama."""

import sys

__version__ = "0.1.0"

# `import httpx` (under the ollama client, the probe and the metrics feed) also imports httpx's own
# command-line tool, `httpx._main`, with click, pygments and rich's syntax highlighter, whenever they are
# installed: ~0.1 s of CPU here, in every glmtui process, for a tool glmtui never runs. httpx falls back
# to a stub `httpx.main` when that module cannot be imported, which a None in sys.modules makes so.
# setdefault: a process that imported the tool before glmtui keeps it.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
