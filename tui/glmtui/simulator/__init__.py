"""An Ollama-compatible HTTP simulator (stdlib only) for tests, benchmarks, screenshots and ``--demo``.

It speaks Ollama's wire protocol closely enough for the official ``ollama`` client: NDJSON streams with
thinking before content, measured timing statistics, model load/keep-alive state, resumable pulls, and
injectable faults (drops, stalls, HTTP 500s, in-band errors).

    from glmtui.simulator import Simulator, Fault

    with Simulator(rate=400.0) as sim:
        sim.inject(Fault(kind="drop", after_tokens=5))
        ...  # point an ollama.Client at sim.url

``OpenAISimulator`` is an OpenAI-compatible engine in vLLM or SGLang flavour (``/v1``, ``/metrics``), with
the same reply text, pacing and faults: ``OpenAISimulator("vllm", api_key="k")``.
"""

from .faults import Fault
from .oai_server import OpenAISimulator
from .server import Simulator

__all__ = ["Fault", "OpenAISimulator", "Simulator"]
