"""kinerja_research."""
__version__ = "0.1.0"
