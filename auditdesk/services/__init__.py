"""Use cases over the data layer: snapshot capture, lineage, reports, demo data."""
