from hostile._core import double
