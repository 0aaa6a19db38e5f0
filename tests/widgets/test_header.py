"""The header at the widths people use: host and connection state survive a narrow terminal."""

from __future__ import annotations

import pytest

from glmtui.widgets.header import AppHeader
from tests.helpers import HostApp


@pytest.mark.parametrize("columns", [60, 50])
async def test_a_narrow_header_keeps_the_host_and_the_state(columns: int) -> None:
    header = AppHeader()
    async with HostApp([header]).run_test(size=(columns, 5)) as pilot:
        header.model = "hf.co/unsloth/GLM-4.7-Flash-GGUF:Q4_K_M"
        header.host = "gpu-box.lan:11434"
        header.connection = "online"
        header.server_version = "0.12.3"
        await pilot.pause()
        line = header.render().plain
        assert len(line) <= header.content_size.width, line
        assert "gpu-box.lan:11434" in line and line.endswith("● online"), line
        assert "hf.co/" in line  # the model is cut, not dropped


async def test_a_wide_header_says_everything() -> None:
    header = AppHeader()
    async with HostApp([header]).run_test(size=(120, 5)) as pilot:
        header.model = "glm-4.7-flash:latest"
        header.host = "127.0.0.1:11434"
        header.connection = "online"
        header.server_version = "0.12.3"
        await pilot.pause()
        assert (
            header.render().plain
            == "glmtui  model glm-4.7-flash:latest  ·  127.0.0.1:11434  ● online (ollama 0.12.3)"
        )
