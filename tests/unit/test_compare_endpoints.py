"""A/B across endpoints as plain functions: where the sides run decides the run mode, a pane's model
named on an endpoint, and the vote tally keyed by endpoint when the sides' endpoints differ."""

from __future__ import annotations

from glmtui.core.catalog import load_catalog
from glmtui.core.endpoints import ModelRef, split_ref
from glmtui.core.fit import Machine
from glmtui.core.hosts import same_machine
from glmtui.core.units import GIB
from glmtui.screens.compare.models import run_mode
from glmtui.services.compare import CompareRun, PaneModel, Round, VoteRecord, vote_summary
from glmtui.services.compare_export import compare_markdown
from glmtui.services.compare_mode import Place, placement_mode

GLM, SERVED = "glm-4.7-flash:latest", "glm-4.7-flash"
DESK = Place("desk", "http://127.0.0.1:11434")
DESK_VLLM = Place("desk-vllm", "http://localhost:8000")  # another server on this machine
NODE1 = Place("node1", "http://node1:8000")
NODE1_OLLAMA = Place("node1-ollama", "http://NODE1:11434")  # another server on node1
NODE2 = Place("node2", "http://10.0.0.12:8000")
CATALOG = load_catalog()


def fits(vram_gib: int) -> Machine:
    return Machine(vram_gib * GIB, vram_gib * GIB, None, "test")


def test_same_machine_by_url_host_with_every_loopback_name_this_machine() -> None:
    assert same_machine("http://127.0.0.1:11434", "http://localhost:8000")
    assert same_machine("http://[::1]:11434", "http://127.0.0.2:8000")
    assert same_machine("http://node1:8000", "http://Node1:11434")
    assert not same_machine("http://node1:8000", "http://node2:8000")
    assert not same_machine("http://127.0.0.1:11434", "http://node1:8000")


def test_different_machines_run_at_once_and_the_reason_says_so() -> None:
    for a, b in ((DESK, NODE1), (NODE1, DESK), (NODE1, NODE2)):
        mode, reason = placement_mode(a, b, same_model=False)
        assert mode == "parallel" and reason.startswith("different servers: both at once")
        assert a.endpoint in reason and b.endpoint in reason
    # Even when the fit would say no: they share no GPU.
    big = (
        PaneModel(GLM, weights=60 * GIB, endpoint="desk"),
        PaneModel(SERVED, weights=60 * GIB, endpoint="node1"),
    )
    mode, reason = run_mode(*big, fits(24), CATALOG, (DESK, NODE1))
    assert mode == "parallel" and "different servers" in reason


def test_this_machine_keeps_the_vram_fit_rule_one_server_or_two() -> None:
    assert placement_mode(DESK, DESK, same_model=False) is None
    assert placement_mode(DESK, DESK_VLLM, same_model=False) is None
    small = PaneModel(GLM, weights=5 * GIB), PaneModel("gpt-oss:20b", weights=6 * GIB)
    assert run_mode(*small, fits(80), CATALOG, (DESK, DESK_VLLM))[0] == "parallel"
    mode, reason = run_mode(*small, fits(8), CATALOG, (DESK, DESK_VLLM))
    assert mode == "sequential" and "one at a time" in reason
    # One model on two servers is two copies in VRAM: not "one model serves both".
    one = PaneModel(GLM, weights=5 * GIB), PaneModel(GLM, weights=5 * GIB)
    assert "one model serves both" in run_mode(*one, fits(8), CATALOG, (DESK, DESK))[1]
    mode, reason = run_mode(*one, fits(8), CATALOG, (DESK, DESK_VLLM))
    assert mode == "sequential" and "one model" not in reason


def test_a_machine_whose_gpus_are_not_seen_says_so() -> None:
    mode, reason = placement_mode(NODE1, NODE1_OLLAMA, same_model=False)  # two servers on node1
    assert mode == "sequential" and "GPUs not visible from here" in reason and "node1" in reason
    mode, reason = placement_mode(NODE1, NODE1, same_model=False)  # one remote server, two models
    assert mode == "sequential" and "not visible from here" in reason
    mode, reason = placement_mode(NODE1, NODE1, same_model=True)  # one model: nothing to evict
    assert mode == "parallel" and "one model serves both" in reason and "not visible" in reason
    # This machine's GPUs are not node1's: a roomy local GPU does not make node1's pair fit.
    small = PaneModel(GLM, weights=5 * GIB), PaneModel("gpt-oss:20b", weights=6 * GIB)
    assert run_mode(*small, fits(80), CATALOG, (NODE1, NODE1))[0] == "sequential"


def test_a_pane_model_named_on_an_endpoint() -> None:
    names = ["desk", "node1"]
    assert split_ref("node1 · glm-4.7-flash", names) == ("node1", SERVED)
    assert split_ref("node1/glm-4.7-flash", names) == ("node1", SERVED)
    assert split_ref("desk · glm-4.7-flash:q4_K_M", names) == ("desk", "glm-4.7-flash:q4_K_M")
    # Not a configured endpoint's name: the whole text is the model (a namespace, a tag, a typo).
    assert split_ref("zai-org/GLM-4.7-Flash", names) == ("", "zai-org/GLM-4.7-Flash")
    assert split_ref("node1:glm-4.7-flash", names) == ("", "node1:glm-4.7-flash")
    assert split_ref("hf.co/unsloth/GLM-4.7-Flash-GGUF:Q4_K_M", names)[0] == ""
    assert split_ref("node1/", names) == ("", "node1/")
    assert ModelRef("node1", SERVED).label == "node1 · glm-4.7-flash"
    assert ModelRef("", SERVED).label == SERVED


def test_votes_across_endpoints_are_tallied_per_endpoint_and_model() -> None:
    votes = [
        VoteRecord(GLM, SERVED, "b", 1, endpoint_a="desk", endpoint_b="node1"),
        VoteRecord(SERVED, GLM, "b", 2, endpoint_a="node1", endpoint_b="desk"),  # sides swapped
        VoteRecord(SERVED, SERVED, "a", 1, endpoint_a="node1", endpoint_b="desk"),  # one name, two servers
        VoteRecord(GLM, "gpt-oss:20b", "a", 1, endpoint_a="desk", endpoint_b="desk"),  # one endpoint
        VoteRecord(GLM, "gpt-oss:20b", "tie", 1),  # saved before endpoints: the same pair
    ]
    lines = vote_summary(votes)
    assert "desk · glm-4.7-flash:latest 1 · node1 · glm-4.7-flash 1 · tie 0 (2 vote(s))" in lines
    assert "desk · glm-4.7-flash 0 · node1 · glm-4.7-flash 1 · tie 0 (1 vote(s))" in lines
    assert "glm-4.7-flash:latest 1 · gpt-oss:20b 0 · tie 1 (2 vote(s))" in lines
    assert len(lines) == 3


def test_the_export_names_each_sides_endpoint_when_they_differ() -> None:
    run = CompareRun(rounds=[Round("hi", GLM, SERVED, "parallel", endpoint_a="desk", endpoint_b="node1")])
    urls = {"desk": "http://127.0.0.1:11434", "node1": "http://node1:8000"}
    text = compare_markdown(run, host="http://127.0.0.1:11434", now=0, urls=urls)
    assert "# A/B comparison: desk · glm-4.7-flash:latest vs node1 · glm-4.7-flash" in text
    assert "- Endpoints: A desk (http://127.0.0.1:11434), B node1 (http://node1:8000)" in text
    assert "### B · node1 · glm-4.7-flash" in text and "- Ollama:" not in text
    same = CompareRun(rounds=[Round("hi", GLM, GLM, "parallel", endpoint_a="desk", endpoint_b="desk")])
    text = compare_markdown(same, host="http://127.0.0.1:11434", now=0, urls=urls)
    assert "- Ollama: http://127.0.0.1:11434" in text and "desk ·" not in text
