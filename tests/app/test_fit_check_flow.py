"""Pilot flow: each model Ollama loads is estimated at its loaded context and shown beside `/api/ps`'s
size, within 10 %, for every installed model at two contexts; the ratio is stored per digest."""

from __future__ import annotations

import re
from pathlib import Path

from glmtui.core.state import MonitorIntervals
from glmtui.simulator import Simulator
from glmtui.widgets.monitor.ollama_panel import OllamaPanel
from tests.helpers import db_rows, make_app, panel_text, ready, wait_until

FAST = MonitorIntervals(gpu_s=0.5, system_s=0.5, ollama_s=0.5)
SHOWN = re.compile(r"estimated (\d+\.\d) GiB(?: ·)?\s+loaded (\d+\.\d) GiB")  # one line, or split at "·"


async def test_every_installed_model_is_estimated_within_10_percent_at_two_contexts(
    sim: Simulator, tmp_path: Path
) -> None:
    db = tmp_path / "history.db"
    app = make_app(sim.url, monitor_intervals=FAST, store_path=db)
    async with app.run_test(size=(140, 50)):
        await ready(app)
        panel = app.screen.query_one(OllamaPanel)
        installed = await app.library.installed()
        assert len(installed) >= 3
        for context in (4096, 32768):
            for model in installed:
                # Ollama loads it at this context (a chat with no messages, through the official client).
                await app.service.client.chat(model=model.name, messages=[], options={"num_ctx": context})
                app.monitor.refresh_ollama()

                def shown(name: str = model.name, ctx: int = context) -> bool:
                    check = app.load_checker.checks.get(name)
                    return check is not None and check.context == ctx and "estimated" in panel_text(panel)

                await wait_until(shown, what=f"{model.name} at {context} checked and shown")
                check = app.load_checker.checks[model.name]
                loaded = next(m for m in sim.store.loaded() if m.name == model.name)
                assert check.measured == loaded.size  # the simulator's own figure, from its own rules
                assert check.error_percent() < 10, (model.name, context, check.text())
                figures = [m.groups() for m in SHOWN.finditer(panel_text(panel).replace("\n", " "))]
                assert (f"{check.estimated / 1024**3:.1f}", f"{check.measured / 1024**3:.1f}") in figures
                await app.service.unload(model.name)
        # One ratio per model digest, kept for the next session.
        rows = db_rows(db, "SELECT digest, ratio FROM fit_corrections")
        assert {digest for digest, _ in rows} == {m.digest for m in installed}
        assert all(0.9 < ratio < 1.1 for _, ratio in rows)


async def test_a_stored_ratio_corrects_the_models_estimate_and_a_load_is_shown_beside_it(
    sim: Simulator, tmp_path: Path
) -> None:
    from glmtui.core.load_check import Correction
    from glmtui.services.store import Store
    from tests.helpers import finished, open_models, screen_text, select, send

    db = tmp_path / "history.db"
    glm = next(m for m in sim.store.installed() if m.name.startswith("glm-4.7-flash"))
    store = Store(db)  # an earlier session measured this model 5 % above its estimate
    store.save_correction(Correction(glm.spec.digest, glm.name, 1.05, 32768, 21 * 1024**3, 1.0))
    store.close()
    app = make_app(sim.url, model=glm.name, monitor_intervals=FAST, store_path=db)
    async with app.run_test(size=(160, 60)) as pilot:
        await ready(app)
        await wait_until(lambda: app.load_checker.correction(glm.spec.digest) is not None, what="the ratio")
        screen = await open_models(pilot)
        await select(pilot, screen, "installed", glm.name)
        await wait_until(lambda: "corrected ×1.050" in screen_text(app), what="the corrected estimate")
        assert "GiB corrected estimate: corrected ×1.050 by the last load (21.0 GiB at 32,768 ctx)" in (
            screen_text(app)
        )
        await pilot.press("escape")
        await finished(await send(pilot, "hello"))
        await wait_until(lambda: glm.name in app.load_checker.checks, what="the load checked")
        check = app.load_checker.checks[glm.name]
        # This load's own ratio replaced the stored one (the simulator matches the rules: ≈ 1).
        assert app.load_checker.correction(glm.spec.digest) is not None
        assert f"{app.load_checker.correction(glm.spec.digest).ratio:.3f}" == f"{check.ratio:.3f}"  # type: ignore[union-attr]
        screen = await open_models(pilot)
        await select(pilot, screen, "installed", glm.name)
        shown = f"loaded now at {check.context:,} ctx: {check.text()} (measured by /api/ps)"
        await wait_until(lambda: shown in screen_text(app), what="the load beside its estimate")
        assert f"corrected ×{check.ratio:.3f}" in screen_text(app)
