"""Widgets of the console TUI (the only place besides screens/ and app.py that imports textual)."""
