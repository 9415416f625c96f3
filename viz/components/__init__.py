"""Solara components of the app; each takes plain values or reactives, never globals."""
