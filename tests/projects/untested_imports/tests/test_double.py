import untested_imports
from dirty_equals import IsInt


def test_double() -> None:
    assert untested_imports.double(21) == IsInt(gt=41)
