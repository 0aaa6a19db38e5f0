"""One verifying TLS context for glmtui's own httpx clients (the probe, the Ollama engine, the metrics feed).

httpx builds a context per client, certificates loaded, even for an `http://` URL that never uses it
(~30–50 ms of CPU each here: three in a headless bench, before anything was measured). The context is
only ever consulted for an `https://` connection (a URL given so, or a redirect to one), so one context
shared by every client verifies each of them as its own would: made the way httpx makes its default
(certifi's bundle, or `SSL_CERT_FILE` / `SSL_CERT_DIR`), with hostname checks, and made on first use.
Verification is never turned off.
"""

from __future__ import annotations

import functools
import ssl


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The process's verifying TLS context, made on first use (httpx's own default, once)."""
    import httpx

    return httpx.create_ssl_context()
