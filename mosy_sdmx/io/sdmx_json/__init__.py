"""SDMX-JSON 1.0 and 2.0 data messages (reader and writers)."""
