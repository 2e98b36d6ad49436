"""Bit-level and float-decomposition functions over traced arrays (filled in by this session's work)."""
