"""SDMX-ML 2.1 / 3.0 data readers and writers (generic and structure-specific)."""
