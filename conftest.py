"""Collection settings for the whole tree (tests/ and the doctests of src/)."""

import importlib.util

# `cleaner.dask` imports dask at module level; with only the `[test]` extra installed, its
# doctests cannot be collected (tests/test_dask.py skips itself in that case).
collect_ignore = [] if importlib.util.find_spec("distributed") else ["src/cleaner/dask.py"]
