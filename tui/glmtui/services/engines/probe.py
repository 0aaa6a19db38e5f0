"""probe: what answers at a url — Ollama, vLLM, SGLang, another OpenAI-compatible server, or none of them.

For an endpoint of kind `auto`. Each engine is known by a route only it serves (sources: Ollama
`docs/api.md`; vLLM `vllm/entrypoints/openai/api_server.py`; SGLang
`python/sglang/srt/entrypoints/http_server.py`):

- Ollama: `GET /api/version` → `{"version": "0.12.3"}`;
- vLLM: `GET /version` → `{"version": …}` and `/v1/models` entries `owned_by: "vllm"` (`/version` is
  outside `/v1`, so it answers without the API key);
- SGLang: `GET /model_info` (`/get_model_info` before it, deprecated) → `{"model_path": …}`, its
  version in `/get_server_info`;
- any other OpenAI-compatible server: `GET /v1/models` → `{"data": [...]}` (a 401 there is one too,
  that wants a key).

Plain httpx (a dependency of both clients) with short timeouts, one request at a time; every piece of
server text in a message is sanitised and clipped. The key is sent as a bearer token and never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from glmtui.core.sanitize import sanitize
from glmtui.services.engines.ollama_errors import clip
from glmtui.services.engines.openai import api_root
from glmtui.services.engines.sglang_info import PATHS as SGLANG_FACTS
from glmtui.services.engines.tls import tls_context

ProbeKind = Literal["ollama", "openai"]
Flavour = Literal["ollama", "vllm", "sglang", "openai"]
PROBE_TIMEOUT_S = 3.0
NAMES = {"ollama": "Ollama", "vllm": "vLLM", "sglang": "SGLang", "openai": "an OpenAI-compatible server"}


@dataclass(frozen=True, slots=True)
class Probe:
    """What a probe found: the engine kind to make (None: nothing usable), the server's flavour and
    version when known, and a sentence saying so."""

    kind: ProbeKind | None
    flavour: Flavour | None
    version: str | None
    message: str
    answered: bool = False  # something answered that is neither engine (HTTP or not): say so, don't retry


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int | None  # None: no HTTP answer
    body: Any = None  # the JSON body, or None
    server: str = ""  # the `Server` header, to name what answered


def _found(kind: ProbeKind, flavour: Flavour, version: str | None, url: str, note: str = "") -> Probe:
    name = NAMES[flavour]
    said = f"{name} {version}" if version else name
    return Probe(kind, flavour, version, f"{said} at {url}{note}")


async def probe(url: str, api_key: str | None = None, timeout: float = PROBE_TIMEOUT_S) -> Probe:
    """Find out what serves `url` (the server's root; a trailing `/v1` is dropped)."""
    import httpx

    root = api_root(url)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    client = httpx.AsyncClient(base_url=root, headers=headers, timeout=timeout, verify=tls_context())
    async with client as http:

        async def get(path: str) -> _Answer:
            response = await http.get(path)
            try:
                body = response.json()
            except (ValueError, RecursionError):  # not JSON, or nested past the decoder's limit
                body = None
            return _Answer(response.status_code, body, sanitize(response.headers.get("server", "")))

        try:
            first = await get("/api/version")
        except httpx.ConnectError as exc:
            if root.startswith("https:") and ("SSL" in repr(exc) or "TLS" in repr(exc) or "ssl" in str(exc)):
                return Probe(
                    None, None, None, f"{root} answers, but not over TLS: try http:// instead of https://"
                )
            return Probe(None, None, None, f"Cannot reach {root}: nothing is listening there")
        except httpx.TimeoutException:
            return Probe(None, None, None, f"{root} did not answer within {timeout:g} s")
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            return Probe(
                None,
                None,
                None,
                f"Something at {root} accepted the connection but does not speak HTTP",
                answered=True,
            )
        except httpx.HTTPError as exc:
            return Probe(None, None, None, f"Cannot probe {root}: {clip(sanitize(str(exc)))}")
        try:
            return await _identify(root, first, get, key_sent=bool(api_key))
        except httpx.HTTPError as exc:
            return Probe(
                None, None, None, f"{root} stopped answering while probed: {clip(sanitize(str(exc)))}"
            )


async def _identify(root: str, first: _Answer, get: Any, *, key_sent: bool = False) -> Probe:
    """Ask the routes in turn; `first` is `/api/version`'s answer."""
    version = _version(first)
    if first.status == 200 and version is not None:
        return _found("ollama", "ollama", version, root)
    models = await get("/v1/models")
    owner = _owner(models)
    needs_key = models.status in (401, 403)
    key_note = (
        (
            ": it refused the API key sent (check the key in the endpoint's api_key_env variable)"
            if key_sent
            else ": it needs an API key (set the endpoint's api_key_env)"
        )
        if needs_key
        else ""
    )
    vllm = await get("/version")
    if _version(vllm) is not None and (owner == "vllm" or needs_key):
        return _found("openai", "vllm", _version(vllm), root, key_note)
    for path in SGLANG_FACTS:  # the current route first; an older SGLang has only the deprecated one
        if _model_facts(await get(path)):
            server = await get("/get_server_info")
            return _found("openai", "sglang", _version(server), root, key_note)
    if models.status == 200 and owner is not None:
        flavour: Flavour = "vllm" if owner == "vllm" else "sglang" if owner == "sglang" else "openai"
        return _found("openai", flavour, None, root)
    if needs_key:
        return _found("openai", "openai", None, root, key_note)
    said = f" (it says it is {clip(first.server, 40)})" if first.server else ""
    return Probe(
        None,
        None,
        None,
        f"{root} speaks HTTP but is neither Ollama nor OpenAI-compatible{said}: /api/version gave "
        f"HTTP {first.status}, /v1/models HTTP {models.status}",
        answered=True,
    )


def _model_facts(answer: _Answer) -> bool:
    """SGLang's model facts (`{"model_path": …}`): only SGLang serves them."""
    return answer.status == 200 and isinstance(answer.body, dict) and "model_path" in answer.body


def _version(answer: _Answer) -> str | None:
    body = answer.body
    if answer.status == 200 and isinstance(body, dict) and isinstance(body.get("version"), str):
        return clip(sanitize(body["version"]), 40)
    return None


def _owner(answer: _Answer) -> str | None:
    """`owned_by` of the first model listed ("" when the list has no owner); None when not a model list."""
    body = answer.body
    if answer.status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    first = body["data"][0] if body["data"] else {}
    owner = first.get("owned_by") if isinstance(first, dict) else None
    return sanitize(owner) if isinstance(owner, str) else ""
