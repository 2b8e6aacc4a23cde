"""Content people read and lawyers or trainers maintain: files, not code (see domain.training
and domain.legal, which load and validate them)."""
