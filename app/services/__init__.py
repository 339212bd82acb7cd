"""Business rules. No FastAPI here: services take keyword arguments, raise AppError, flush
but never commit, and write their audit event in the caller's transaction."""
