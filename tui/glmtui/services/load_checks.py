"""LoadChecker: compares each newly loaded model's estimate with what `/api/ps` says it took.

It watches the `/api/ps` snapshots the monitor feed publishes. For a load it has not seen (model
digest, context, size), it estimates the model at the loaded context from its `/api/show` facts and
its size on disk, keeps the pair for the panels ("estimated 19.9 GiB · loaded 19.7 GiB") and stores
the ratio per digest, so later estimates of that model are corrected by it. Textual-free: results go
out through a `publish` callable.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable

from glmtui.core.catalog import Catalog
from glmtui.core.errors import GlmTuiError
from glmtui.core.load_check import Correction, LoadCheck, check_load, correction_for, trusted
from glmtui.core.server_settings import ServerSettings
from glmtui.core.state import LoadedModel, ModelInfo, OllamaSnapshot
from glmtui.services.engines.ollama_models import ModelLibrary


class LoadChecker:
    """The checks of the models loaded now, and the stored corrections by digest."""

    def __init__(
        self,
        library: ModelLibrary,
        *,
        settings: Callable[[], ServerSettings],
        catalog: Callable[[], Catalog] | None = None,
        save: Callable[[Correction], Awaitable[None]],
        publish: Callable[[tuple[LoadCheck, ...]], None],
    ) -> None:
        self.library = library
        self._settings = settings
        self._load_catalog = catalog  # read when first needed: start-up does not wait for it
        self._catalog: Catalog | None = None
        self._save = save
        self._publish = publish
        self.checks: dict[str, LoadCheck] = {}  # by model name, the models loaded now
        self.corrections: dict[str, Correction] = {}  # by digest
        self._seen: dict[str, tuple[str, int, int]] = {}  # name → (digest, context, size) checked
        self._sizes: dict[str, int] = {}  # digest → size on disk

    @property
    def catalog(self) -> Catalog | None:
        """The variant catalogue (shapes `/api/show` hides), read once, when first needed."""
        if self._catalog is None and self._load_catalog is not None:
            self._catalog = self._load_catalog()
        return self._catalog

    def remember(self, corrections: Iterable[Correction]) -> None:
        """The corrections the store kept from earlier sessions (a row whose ratio is not one to trust,
        from a damaged or foreign database, is left out)."""
        for correction in corrections:
            if trusted(correction.ratio):
                self.corrections.setdefault(correction.digest, correction)

    def correction(self, digest: str) -> Correction | None:
        return self.corrections.get(digest) if digest else None

    async def observe(self, snapshot: OllamaSnapshot) -> None:
        """Check every load in this snapshot that was not checked yet; forget unloaded ones."""
        if not snapshot.online:
            return
        names = {model.name for model in snapshot.models}
        changed = False
        for name in [name for name in self.checks if name not in names]:
            del self.checks[name]
            self._seen.pop(name, None)
            changed = True
        for loaded in snapshot.models:
            key = (loaded.digest, loaded.context_length or 0, loaded.size)
            if self._seen.get(loaded.name) == key:
                continue
            try:
                check = await self._check(loaded)
            except GlmTuiError:
                continue  # the server did not answer just now: not seen, so the next snapshot tries again
            # Marked seen only once checked: a check cancelled mid-way is tried again next snapshot.
            self._seen[loaded.name] = key
            if check is None:
                changed |= self.checks.pop(loaded.name, None) is not None
                continue
            self.checks[loaded.name] = check
            changed = True
            correction = correction_for(check, time.time())
            if correction is not None:
                self.corrections[correction.digest] = correction
                await self._save(correction)
        if changed:
            self._publish(tuple(self.checks.values()))

    async def _check(self, loaded: LoadedModel) -> LoadCheck | None:
        if not loaded.digest or not loaded.context_length:
            return None  # an older server: nothing to compare at
        weights = await self._weights(loaded.digest)  # GlmTuiError: the caller tries again later
        details = await self.library.details(loaded.name)
        if weights is None:
            return None
        catalog = self.catalog
        fallback = catalog.shape_like(details.model_info) if catalog else None
        return check_load(loaded, weights, details, self._settings(), fallback)

    async def _weights(self, digest: str) -> int | None:
        if digest not in self._sizes:
            models: list[ModelInfo] = await self.library.installed()
            self._sizes.update({model.digest: model.size for model in models if model.digest})
        return self._sizes.get(digest)
