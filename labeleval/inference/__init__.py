"""Inference shared by every claim: the bootstrap and its blocks, intervals, exact tests, multiplicity and
the consensus kernels."""
