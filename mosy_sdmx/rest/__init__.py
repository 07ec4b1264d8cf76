"""SDMX REST, as grammar: parse and render structure and schema queries (no I/O).

The registry parses request paths with it; a client could build URLs with
it. Nothing here opens a socket or imports a web framework.
"""
