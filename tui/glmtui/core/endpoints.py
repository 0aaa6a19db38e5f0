"""Endpoints: named servers of a kind (`desk`, an Ollama box; `node1`, a vLLM node), and their rules.

An endpoint is what the user points glmtui at; an engine (services/engines/) is the code that speaks
its kind. Here: the record, its validation (names unique, URLs http(s), kinds known, the API key named
by an environment variable and never written in a file), `--endpoint NAME=URL`, and how the list is
put together from the config file, `--host`, `--endpoint` and `OLLAMA_HOST`. No I/O.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

from glmtui.core.hosts import is_local, normalize_host, resolve_host
from glmtui.core.state import ModelInfo

EndpointKind = Literal["ollama", "openai", "auto"]
KINDS: tuple[EndpointKind, ...] = ("ollama", "openai", "auto")
# A name is shown in the header and stored with each turn: short, no spaces, no markup characters.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # POSIX: what a shell can export
KEYS = ("name", "url", "kind", "api_key_env")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One server: its name, normalised URL, kind, and the environment variable holding its API key."""

    name: str
    url: str
    kind: EndpointKind = "auto"
    api_key_env: str | None = None

    @property
    def local(self) -> bool:
        """The server runs on this machine (its GPUs and processes are ours to read)."""
        return is_local(self.url)


@dataclass(frozen=True, slots=True)
class EndpointStatus:
    """What is known of one endpoint now: its state (`connecting`, `online`, `offline`, `not Ollama`,
    `needs key`, `no engine`), the engine that speaks it, the server's version and its models."""

    name: str
    url: str
    kind: str  # as configured (auto included)
    state: str = "connecting"
    engine: str = ""  # the kind found or configured ("" while an auto endpoint is not probed yet)
    version: str = ""
    models: tuple[ModelInfo, ...] = ()
    message: str = ""  # why it is not online, in words


GROUP_SEP = " · "  # `desk · glm-4.7-flash:q4_K_M`: a model under its endpoint's name


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A model on an endpoint: what a compare pane runs, and what the model picker answers with."""

    endpoint: str
    model: str

    @property
    def label(self) -> str:
        return f"{self.endpoint}{GROUP_SEP}{self.model}" if self.endpoint else self.model


def split_ref(text: str, names: Iterable[str]) -> tuple[str, str]:
    """(endpoint, model) of `desk · glm-4.7-flash` (the screens' form) or `node1/glm-4.7-flash`; the
    prefix counts only when it is a configured endpoint's name (a model may be `org/name` itself, and
    `name:tag` is a tag, never an endpoint). Anything else: ("", text), the chat's endpoint."""
    known = set(names)
    for sep in (GROUP_SEP, "/"):
        head, found, tail = text.partition(sep)
        if found and head.strip() in known and tail.strip():
            return head.strip(), tail.strip()
    return "", text


def name_for(url: str) -> str:
    """An endpoint's name taken from its URL's host (`--host`, `OLLAMA_HOST`): loopback is `localhost`."""
    hostname = urllib.parse.urlsplit(url).hostname or "localhost"
    name = "localhost" if is_local(url) else hostname
    name = re.sub(r"[^A-Za-z0-9._-]", "-", name).strip("-.") or "host"
    return name[:32]


def name_problem(name: object) -> str | None:
    if not isinstance(name, str) or not NAME_RE.match(name):
        return (
            f"a name is 1–32 letters, digits, '.', '_' or '-' (starting with a letter or digit), got {name!r}"
        )
    return None


def env_name_problem(value: object) -> str | None:
    if not isinstance(value, str) or not ENV_NAME_RE.match(value):
        # The value is not echoed: the likeliest mistake is the key itself written here.
        return (
            "expected the NAME of an environment variable (like VLLM_API_KEY; the key itself never "
            "goes in the file)"
        )
    return None


def endpoint_from_table(table: Mapping[str, object]) -> tuple[Endpoint | None, list[tuple[str, str]]]:
    """One `[[endpoints]]` table: the endpoint (None when it cannot be used) and (key, problem) pairs.

    A bad `kind` or `api_key_env` is reported and its default used; a bad or missing name or URL
    leaves the whole endpoint out (there is nothing to connect to, or nothing to call it)."""
    problems: list[tuple[str, str]] = []
    for key in table:
        if key not in KEYS:
            problems.append((key, "unknown key (ignored)"))
    name, url = table.get("name"), table.get("url")
    usable = True
    if name is None:
        problems.append(("name", "missing: this endpoint is left out"))
        usable = False
    elif (why := name_problem(name)) is not None:
        problems.append(("name", f"{why}: this endpoint is left out"))
        usable = False
    normalised = ""
    if url is None:
        problems.append(("url", "missing: this endpoint is left out"))
        usable = False
    else:
        try:
            normalised = endpoint_url(url)
        except ValueError as exc:
            problems.append(("url", f"{exc}: this endpoint is left out"))
            usable = False
    kind: EndpointKind = "auto"
    raw_kind = table.get("kind", "auto")
    if raw_kind in KINDS:
        kind = raw_kind
    else:
        problems.append(("kind", f"expected one of {', '.join(KINDS)}, got {raw_kind!r} (using auto)"))
    api_key_env = table.get("api_key_env")
    if api_key_env is not None and (why := env_name_problem(api_key_env)) is not None:
        problems.append(("api_key_env", f"{why} (no key is sent)"))
        api_key_env = None
    if not usable:
        return None, problems
    return Endpoint(cast(str, name), normalised, kind, cast(str | None, api_key_env)), problems


def endpoint_url(url: object) -> str:
    """A normalised http(s) URL; raises ValueError with the reason."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"expected an http(s) URL, got {url!r}")
    return normalize_host(url)


def parse_endpoint_flag(text: str) -> Endpoint:
    """`--endpoint NAME=URL` (kind auto); raises ValueError with what is wrong."""
    name, sep, url = text.partition("=")
    name = name.strip()
    if not sep or not name or not url.strip():
        raise ValueError(f"--endpoint takes NAME=URL (e.g. node1=http://node1:8000), got {text!r}")
    if (why := name_problem(name)) is not None:
        raise ValueError(f"--endpoint {text!r}: {why}")
    try:
        return Endpoint(name, endpoint_url(url.strip()), "auto")
    except ValueError as exc:
        raise ValueError(f"--endpoint {text!r}: {exc}") from None


def merge(base: Sequence[Endpoint], extra: Iterable[Endpoint]) -> tuple[Endpoint, ...]:
    """`extra` added to `base`; one with a name already there replaces it in place (a flag wins)."""
    merged = list(base)
    for endpoint in extra:
        at = next((i for i, e in enumerate(merged) if e.name == endpoint.name), None)
        if at is None:
            merged.append(endpoint)
        else:
            merged[at] = endpoint
    return tuple(merged)


def duplicates(endpoints: Iterable[Endpoint]) -> list[str]:
    """Names used more than once (the first keeps the name; the config reports the rest)."""
    seen: set[str] = set()
    repeated: list[str] = []
    for endpoint in endpoints:
        if endpoint.name in seen:
            repeated.append(endpoint.name)
        seen.add(endpoint.name)
    return repeated


def resolve_endpoints(
    configured: Sequence[Endpoint],
    *,
    host_flag: str | None = None,
    flagged: Sequence[Endpoint] = (),
    env_host: str | None = None,
    file_host: str | None = None,
) -> tuple[Endpoint, ...]:
    """The endpoints of this run; the first is the chat's default.

    `--host URL` is a one-endpoint shortcut: that server alone (kind auto), instead of the file's
    `[[endpoints]]`. Without it, the file's endpoints; without those, today's single server from
    `OLLAMA_HOST`, the file's `host` or the default, spoken to as Ollama. `--endpoint NAME=URL` adds
    to (or replaces by name in) whichever of these applies."""
    if host_flag and host_flag.strip():
        url = normalize_host(host_flag)
        base: tuple[Endpoint, ...] = (Endpoint(name_for(url), url, "auto"),)
    elif configured:
        base = tuple(configured)
    else:
        url = resolve_host(None, env_host, file_host)
        base = (Endpoint(name_for(url), url, "ollama"),)
    return merge(base, flagged)
