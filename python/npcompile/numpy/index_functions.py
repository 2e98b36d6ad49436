"""Index-driven functions over traced arrays (filled in by this session's work)."""
