"""The context gauge's figures and the overflow prediction (core/context.py), worked out by hand."""

from __future__ import annotations

import pytest

from glmtui.core.context import (
    IMAGE_TOKENS_ESTIMATE,
    TEMPLATE_ALLOWANCE,
    ContextUse,
    estimate_tokens,
    format_tokens,
    predict_next,
    raised_context,
    truncated,
    used_by,
)
from glmtui.core.fit import search_context
from glmtui.core.state import Conversation, GenerationStats, ImageAttachment, Turn, TurnStatus
from glmtui.simulator.images import IMAGE_TOKENS


def done(prompt: str, reply: str, prompt_eval: int | None, evals: int | None, model: str = "m") -> Turn:
    stats = GenerationStats(prompt_eval_count=prompt_eval, eval_count=evals)
    return Turn(prompt, model, reply=reply, status=TurnStatus.DONE, stats=stats)


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, "0"),
        (512, "512"),
        (1023, "1023"),
        (1024, "1k"),  # k = 1,024: contexts are powers of two
        (4096, "4k"),
        (32_768, "32k"),
        (28_774, "28.1k"),  # 28,774 / 1,024 = 28.099…
        (1536, "1.5k"),
        (131_072, "128k"),
        (150_000, "146k"),  # 146.48: whole ks from 100k up
    ],
)
def test_token_counts_read_as_the_gauge_shows_them(count: int, shown: str) -> None:
    assert format_tokens(count) == shown


def test_the_gauge_text_loaded_asked_and_unknown() -> None:
    assert ContextUse("m", 28_774, 32_768, "loaded").label() == "ctx 28.1k / 32k"
    assert ContextUse("m", 512, 1024, "loaded").label() == "ctx 512 / 1k"
    # Only the num_ctx the request carried is known (no /api/ps answer): said so.
    assert ContextUse("m", 300, 512, "asked", 512).label() == "ctx 300 / 512 asked"
    # Neither: never a made-up default.
    assert ContextUse("m", 28_774).label() == "ctx 28.1k / ?"


@pytest.mark.parametrize(
    ("used", "level"),
    [(100, "ok"), (819, "ok"), (820, "warn"), (972, "warn"), (973, "critical"), (1024, "critical")],
)
def test_the_gauge_colours_at_80_and_95_percent(used: int, level: str) -> None:
    # Of 1,024: 80 % is 819.2 and 95 % is 972.8.
    assert ContextUse("m", used, 1024, "loaded").level == level


def test_an_unknown_context_is_neither_full_nor_overflowed() -> None:
    use = ContextUse("m", 10**6)
    assert use.level == "ok" and use.fraction is None and not use.overflowed
    assert ContextUse("m", 512, 512, "loaded").overflowed
    assert not ContextUse("m", 511, 512, "loaded").overflowed


def test_estimate_is_high_ascii_over_3_and_one_per_other_character() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("hello") == 2  # ceil(5 / 3)
    assert estimate_tokens("abcdef") == 2
    assert estimate_tokens("a" * 1500) == 500
    assert estimate_tokens("日本語") == 3  # CJK: about a token a character
    assert estimate_tokens("héllo") == 1 + 2  # é, then ceil(4 / 3)


def test_used_is_prompt_eval_plus_eval() -> None:
    assert used_by(GenerationStats(prompt_eval_count=900, eval_count=124)) == 1024
    assert used_by(GenerationStats(prompt_eval_count=900)) is None  # no final figures: unknown
    assert used_by(GenerationStats()) is None


def test_prediction_is_the_last_count_plus_the_new_prompt() -> None:
    turns = [done("first", "a reply", 9, 100), done("second", "another", 130, 100)]
    # The last request (130 + 100) and "third" (ceil(5 / 3) = 2) with its template allowance.
    assert predict_next(turns, "third") == 230 + 2 + TEMPLATE_ALLOWANCE


def test_prediction_adds_the_turns_after_the_last_counted_one() -> None:
    stopped = Turn("ab" * 30, "m", reply="c" * 30, status=TurnStatus.STOPPED)  # no final figures
    turns = [done("first", "reply", 9, 100), stopped]
    # 109, then the stopped turn's prompt (60 chars: 20) and partial reply (30 chars: 10), each with
    # its allowance, then the new prompt.
    expected = 109 + (20 + TEMPLATE_ALLOWANCE) + (10 + TEMPLATE_ALLOWANCE) + 2 + TEMPLATE_ALLOWANCE
    assert predict_next(turns, "third") == expected


def test_preserving_counts_the_traces_before_the_last_count_unless_it_carried_them() -> None:
    first = done("first", "reply", 9, 100)
    first.thinking = "t" * 300  # 100 tokens by the estimate
    second = done("second", "reply", 130, 100)
    new = 2 + TEMPLATE_ALLOWANCE
    assert predict_next([first, second], "third") == 230 + new  # off: no trace goes
    # On, and the last count was of a request without the traces (turned on since): they are added.
    second.sent_traces = False
    assert predict_next([first, second], "third", preserve_thinking=True) == 230 + 100 + new
    # Not known (read back from the store): counted, high rather than low.
    second.sent_traces = None
    assert predict_next([first, second], "third", preserve_thinking=True) == 230 + 100 + new
    # The last count already held them: not counted twice.
    second.sent_traces = True
    assert predict_next([first, second], "third", preserve_thinking=True) == 230 + new


def test_prediction_counts_images_as_the_documented_estimate() -> None:
    image = ImageAttachment("cat.png", 48, "")
    stopped = Turn("ab" * 30, "m", reply="c" * 30, status=TurnStatus.STOPPED, images=(image, image))
    turns = [done("first", "reply", 9, 100), stopped]
    plain = predict_next(turns, "third", earlier_images=False)  # left out: a model known text-only
    assert plain == 109 + (20 + TEMPLATE_ALLOWANCE) + (10 + TEMPLATE_ALLOWANCE) + 2 + TEMPLATE_ALLOWANCE
    # The stopped turn's two images (not in any server count yet), and the new prompt's one.
    assert predict_next(turns, "third") == plain + 2 * IMAGE_TOKENS_ESTIMATE
    assert predict_next(turns, "third", images=1) == plain + 3 * IMAGE_TOKENS_ESTIMATE
    # The same figure the simulator counts an image as (Ollama's server/prompt.go imageNumTokens).
    assert IMAGE_TOKENS_ESTIMATE == IMAGE_TOKENS


def test_earlier_images_can_be_left_out_of_the_messages_and_stay_on_the_turn() -> None:
    image = ImageAttachment("cat.png", 48, "aGk=")
    turn = Turn("what?", "m", reply="a cat", status=TurnStatus.DONE, images=(image,))
    conversation = Conversation(turns=[turn])
    sent = conversation.messages_for("and now?", (image,), earlier_images=False)
    assert [m.get("images") for m in sent] == [None, None, ["aGk="]]  # the new prompt's go
    assert conversation.messages_for("and now?")[0]["images"] == ["aGk="]
    assert turn.images == (image,)


def test_prediction_without_counts_estimates_everything() -> None:
    assert predict_next([], "hello") == 2 + TEMPLATE_ALLOWANCE
    assert predict_next([], "hello", system="abc") == (1 + TEMPLATE_ALLOWANCE) + (2 + TEMPLATE_ALLOWANCE)


def test_a_raised_context_has_a_quarter_of_headroom_in_powers_of_two() -> None:
    assert raised_context(625) == 2048  # 781 → 1,024, but never below 2,048
    assert raised_context(2000) == 4096  # 2,500 → 4,096
    assert raised_context(26_000) == 32_768  # 32,500 → 32,768
    assert raised_context(26_300) == 65_536  # 32,875 → 65,536
    assert raised_context(26_300, model_max=40_960) == 40_960  # capped at the model's maximum
    assert raised_context(50_000, model_max=40_960) is None  # the model cannot hold it at all


def test_largest_context_is_the_last_step_that_fits() -> None:
    assert search_context(lambda ctx: ctx <= 10_000, 131_072) == 9984  # 39 × 256
    assert search_context(lambda ctx: True, 131_072) == 131_072  # capped at the maximum
    assert search_context(lambda ctx: False, 131_072) is None
    assert search_context(lambda ctx: True, 100) is None  # not even one step


def test_truncation_is_a_prompt_count_that_shrank_for_the_same_model() -> None:
    first = done("a", "b", 400, 100)
    assert truncated(done("c", "d", 380, 50), [first])  # the conversation only grows: dropped
    assert not truncated(done("c", "d", 520, 50), [first])
    # Another model's tokeniser counts differently: not compared.
    assert not truncated(done("c", "d", 200, 50, model="other"), [first])
    assert not truncated(done("c", "d", None, None), [first])
