import numpy as np
import pytest
import tested_by_extra
from helpers import SIZES
from hypothesis import given
from hypothesis import strategies as st

try:  # optional: not a dependency the wheel tests must install
    import optional_speedups
except ImportError:
    optional_speedups = None


@given(st.integers(-(2**40), 2**40))
def test_double(x: int) -> None:
    assert tested_by_extra.double(x) == 2 * x


@pytest.mark.parametrize("size", SIZES)
def test_sizes(size: int) -> None:
    assert np.zeros(size).size == size
