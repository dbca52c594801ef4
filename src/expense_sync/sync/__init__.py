"""The engine: the executor that runs background work, and (later) the sync pipeline."""
