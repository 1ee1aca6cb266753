"""The examples in the docstrings of the name functions run as doctests."""

from __future__ import annotations

import doctest

import pytest

import kg.pipeline.lexicons
import kg.pipeline.names


@pytest.mark.parametrize(
    "module", [kg.pipeline.names, kg.pipeline.lexicons], ids=lambda m: m.__name__
)
def test_docstring_examples_hold(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{module.__name__} has no docstring example"
    assert result.failed == 0
