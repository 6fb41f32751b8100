"""Plain domain types: enums, frozen records, errors and validation rules (no SQL, no Qt)."""
