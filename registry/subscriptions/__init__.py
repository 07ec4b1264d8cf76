"""Subscriptions: HTTP callbacks told of each release (``store``), delivered by ``delivery``."""
