import tested_by_requirements
from dirty_equals import IsInt


def test_double() -> None:
    assert tested_by_requirements.double(21) == IsInt(gt=41)
