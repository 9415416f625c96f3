"""Agent-based model of regional AI economies around Korea's National AI Computing Center."""

__version__ = "0.1.0"
