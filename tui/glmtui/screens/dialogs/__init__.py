"""Small modal dialogs shared by screens: confirm, copy, rename."""
