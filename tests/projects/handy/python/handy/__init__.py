from handy._native import double
