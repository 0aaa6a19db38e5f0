"""Normalise an Ollama host string the way Ollama itself does.

`OLLAMA_HOST` is shared with the server, which listens on `0.0.0.0` to mean "every interface"; a
client cannot connect to that address, so (like the `ollama` CLI) we connect to loopback instead.
"""

from __future__ import annotations

import ipaddress
import urllib.parse

DEFAULT_HOST = "http://127.0.0.1:11434"
DEFAULT_PORT = 11434


def normalize_host(raw: str | None) -> str:
    """Return `scheme://host:port[/path]` for a user-supplied host.

    Accepts a bare host, `host:port`, `:port`, a URL with or without port, IPv6 in brackets, and maps
    the unspecified addresses (`0.0.0.0`, `::`) to loopback.
    """
    text = (raw or "").strip()
    if not text:
        return DEFAULT_HOST
    scheme, sep, rest = text.partition("://")
    port = DEFAULT_PORT
    if not sep:
        scheme, rest = "http", text
    else:
        scheme = scheme.lower()
        if scheme not in ("http", "https"):
            raise ValueError(f"unsupported scheme {scheme!r} in host {raw!r} (use http or https)")
        port = 443 if scheme == "https" else 80
    split = urllib.parse.urlsplit(f"{scheme}://{rest}")
    try:
        explicit_port = split.port
    except ValueError as exc:
        raise ValueError(f"bad port in host {raw!r}") from exc
    host = split.hostname or "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        if address.is_unspecified:
            host = "127.0.0.1" if address.version == 4 else "::1"
            address = ipaddress.ip_address(host)
        if address.version == 6:
            host = f"[{host}]"
    url = f"{scheme}://{host}:{explicit_port or port}"
    path = split.path.strip("/")
    return f"{url}/{path}" if path else url


def is_local(host_url: str) -> bool:
    """True when the host is this machine (loopback or localhost)."""
    hostname = urllib.parse.urlsplit(host_url).hostname or ""
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def resolve_host(flag: str | None, env: str | None, file_value: str | None) -> str:
    """Precedence: `--host` flag, then `OLLAMA_HOST`, then the config file, then the default."""
    for candidate in (flag, env, file_value):
        if candidate and candidate.strip():
            return normalize_host(candidate)
    return DEFAULT_HOST


def same_machine(url_a: str, url_b: str) -> bool:
    """Whether two servers' URLs name one machine, as far as the URLs tell: both this machine (any
    loopback name), or one host name. No DNS look-up: a LAN name for this machine reads as another."""
    if is_local(url_a) and is_local(url_b):
        return True
    host_a = (urllib.parse.urlsplit(url_a).hostname or "").lower()
    return bool(host_a) and host_a == (urllib.parse.urlsplit(url_b).hostname or "").lower()
