"""Settling streamed Markdown: boundaries only at blank lines outside code fences."""

from glmtui.core.markdown_blocks import has_open_fence, settle_point


def test_paragraphs_settle_at_blank_lines() -> None:
    text = "# Title\n\nFirst para.\n\nSecond para is still stre"
    point = settle_point(text, 0)
    assert text[:point] == "# Title\n\nFirst para.\n\n"
    assert settle_point(text, point) == point  # nothing new settled


def test_no_boundary_inside_a_code_fence() -> None:
    text = "Intro\n\n```python\ndef f():\n\n    return 1\n"
    assert text[: settle_point(text, 0)] == "Intro\n\n"
    closed = text + "```\n\nAfter"
    assert closed[: settle_point(closed, 0)] == text + "```\n\n"


def test_fence_rules_follow_commonmark() -> None:
    # A longer opening fence needs a closing fence at least as long; ``` inside ```` is content.
    text = "````md\n```\n\n```\n````\n\nx"
    assert text[: settle_point(text, 0)] == "````md\n```\n\n```\n````\n\n"
    assert settle_point("~~~\n\n```\n\n", 0) == 0  # tildes are not closed by backticks
    assert settle_point("    ```\n\nx", 0) == len("    ```\n\n")  # indented 4: not a fence


def test_unfinished_line_never_settles() -> None:
    assert settle_point("abc\n", 0) == 0
    assert settle_point("abc\n\n", 0) == 5


def test_settling_from_a_previous_point_matches_a_full_scan() -> None:
    text = "a\n\nb\n\n```\nc\n\nd\n```\n\ne\n\nf"
    first = settle_point(text[:9], 0)
    assert settle_point(text, first) == settle_point(text, 0)


def test_has_open_fence() -> None:
    assert has_open_fence("x\n```rust\nfn main() {}\n")
    assert not has_open_fence("x\n```rust\nfn main() {}\n```\n")


def test_open_fence_loses_its_language_until_it_closes() -> None:
    from glmtui.core.markdown_blocks import unhighlighted

    assert unhighlighted("text\n```rust\nfn main() {\n") == "text\n```\nfn main() {\n"
    closed = "```rust\nfn main() {}\n```\n"
    assert unhighlighted(closed) == closed
    assert unhighlighted("  ~~~~python extra\nx") == "  ~~~~\nx"
