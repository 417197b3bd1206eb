"""newsarchive: a static site generator for newspaper archives."""

__version__ = "0.1.0"
