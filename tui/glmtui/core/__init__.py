"""Core: glmtui's vocabulary and rules. No I/O, no Textual: plain data and pure functions."""
