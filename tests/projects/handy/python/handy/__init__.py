from handy._native import double

__all__ = ["double"]
