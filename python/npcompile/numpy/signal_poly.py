"""Convolution, correlation and polynomials over traced arrays (filled in by this session's work)."""
