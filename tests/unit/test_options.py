"""core/options.py: one rule table for Ollama's options, used by the config file and the dialog."""

from glmtui.core.options import OPTION_RULES, option_problem, parse_option
from glmtui.screens.compare.dialogs import PANE_OPTIONS, parse_options


def test_ranges_and_types() -> None:
    assert option_problem("num_ctx", -5) is not None and option_problem("num_ctx", 2048) is None
    assert option_problem("top_p", 1.01) is not None and option_problem("top_p", 0) is None
    assert option_problem("temperature", float("nan")) is not None
    assert option_problem("seed", 2.0) is not None and option_problem("seed", -1) is None
    assert option_problem("num_predict", True) is not None  # a bool is not a number here
    assert option_problem("mirostat_whatever", "anything") is None  # unknown: passed through


def test_text_is_parsed_by_the_same_rules() -> None:
    assert parse_option("top_k", "40") == (40, None)
    assert parse_option("top_k", "4.5") == (None, "'4.5' is not a whole number")
    value, problem = parse_option("num_ctx", "-5")
    assert value is None and problem is not None and "from 1 to 2147483647" in problem


def test_the_compare_dialog_checks_ranges_too() -> None:
    assert set(PANE_OPTIONS) <= set(OPTION_RULES)
    options, problems = parse_options(
        {"num_ctx": "-5", "top_p": "2", "num_predict": "-1", "temperature": "0"}
    )
    assert options == {"num_predict": -1, "temperature": 0.0}
    assert [p.split(":")[0] for p in problems] == ["top_p", "num_ctx"]


def test_upper_bounds_are_the_sizes_ollama_keeps_them_in() -> None:
    for name in ("num_ctx", "num_predict", "top_k", "repeat_last_n", "num_gpu", "num_thread", "num_batch"):
        assert option_problem(name, 2**31 - 1) is None, name
        assert option_problem(name, 2**31) is not None, name
    assert option_problem("seed", 2**63 - 1) is None and option_problem("seed", 2**63) is not None
    assert option_problem("seed", -(2**63) - 1) is not None
    assert option_problem("temperature", 1e38) is None and option_problem("temperature", 1e39) is not None
    assert option_problem("presence_penalty", -1e39) is not None
    assert all(rule.high is not None for rule in OPTION_RULES.values())  # every known number is bounded


def test_the_compare_dialog_refuses_numbers_too_big() -> None:
    options, problems = parse_options(
        {"num_ctx": "100000000000000000000000", "num_predict": "1e20", "temperature": "1e39", "seed": "7"}
    )
    assert options == {"seed": 7}
    assert [p.split(":")[0] for p in problems] == ["temperature", "num_ctx", "num_predict"]
    assert "2147483647" in problems[1]
