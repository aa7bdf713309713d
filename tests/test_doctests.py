"""The examples in the core modules' docstrings run and print what they claim."""

import doctest

import pytest

import councilsim._frozen
import councilsim.api
import councilsim.catalog
import councilsim.models
import councilsim.options
import councilsim.rules


@pytest.mark.parametrize(
    "module",
    [councilsim._frozen, councilsim.api, councilsim.catalog, councilsim.models, councilsim.options,
     councilsim.rules],
)
def test_docstring_examples(module):
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0
    assert failures == 0
