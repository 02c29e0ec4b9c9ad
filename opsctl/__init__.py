"""opsctl: the command line that runs and watches an online shop's operations."""

__version__ = "0.1.0"
