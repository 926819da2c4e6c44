"""pyo3-scaffold: one command to a Rust-backed Python package."""

__version__ = "0.1.0"
