"""tomlkit items written the way people write them, for the metadata conversions."""

from __future__ import annotations

from typing import Any


def array(items: list[Any]) -> Any:  # noqa: ANN401  (a tomlkit array)
    """A TOML array, one item a line when there are several."""
    import tomlkit  # noqa: PLC0415  (lazy: not needed for --help)

    value = tomlkit.array()
    value.extend(items)
    return value.multiline(len(items) > 1)


def inline(values: dict[str, Any]) -> Any:  # noqa: ANN401  (a tomlkit inline table)
    """`{name = "...", email = "..."}` rather than a `[[table]]` of its own."""
    import tomlkit  # noqa: PLC0415

    table = tomlkit.inline_table()
    table.update(values)
    return table
