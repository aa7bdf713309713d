"""Analyses of Council voting rules: exact a-priori voting power (Shapley–Shubik, Banzhaf)."""

from councilsim.analysis.power import PowerIndices, power_indices

__all__ = ["PowerIndices", "power_indices"]
