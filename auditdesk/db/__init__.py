"""Engine, sessions, ORM models, the migrations runner and the embedded server."""
