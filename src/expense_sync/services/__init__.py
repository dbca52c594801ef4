"""Use cases. Each function takes a session (from the caller's unit of work) and the
caller's client id, so tenant scoping is part of every signature."""
