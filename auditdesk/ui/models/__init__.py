"""Qt item models over frozen domain records."""
