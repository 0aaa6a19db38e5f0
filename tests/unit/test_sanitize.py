"""Untrusted model text: control characters become visible, never act on the terminal."""

from glmtui.core.sanitize import sanitize


def test_escape_sequences_are_defused() -> None:
    dangerous = "red \x1b[31mtext\x1b[0m, link \x1b]8;;http://evil\x07x\x1b]8;;\x07, clip \x1b]52;c;aGk=\x07"
    clean = sanitize(dangerous)
    assert "\x1b" not in clean and "\x07" not in clean
    assert "␛[31m" in clean and "␇" in clean


def test_nul_del_c1_and_newlines() -> None:
    assert sanitize("a\x00b\x7fc\x9bd") == "a␀b␡c\ufffdd"
    assert sanitize("line1\r\nline2\rline3\tx") == "line1\nline2\nline3\tx"


def test_plain_text_and_markup_untouched() -> None:
    text = "[bold]not markup[/] — ünïcödé ✓ `code`"
    assert sanitize(text) == text


def test_bidi_controls_are_shown_not_obeyed() -> None:
    controls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    clean = sanitize(f"ok{controls}ko")
    assert not any(c in clean for c in controls)
    assert clean.startswith("ok⟨U+202A⟩⟨U+202B⟩") and "⟨U+202E⟩" in clean and clean.endswith("⟨U+061C⟩ko")
    assert sanitize("עברית and العربية") == "עברית and العربية"  # right-to-left text itself is untouched


def test_a_token_that_is_one_control_character_is_still_defused() -> None:
    # Streamed text arrives a token at a time, and plain tokens skip the per-character table: a token
    # that is nothing but a control (or ends with one) must still take it.
    assert [sanitize(t) for t in ("\x1b", "\x07", "\x9b", "\u202e", "\r", "\r\n")] == [
        "␛",
        "␇",
        "\ufffd",
        "⟨U+202E⟩",
        "\n",
        "\n",
    ]
    assert sanitize("word\u2066") == "word⟨U+2066⟩" and sanitize(" token") == " token"
