"""The web portal's pages (``registry.portal``), mounted as one router."""

from __future__ import annotations

from fastapi import APIRouter

from registry.portal import PAGE_ROUTERS

router = APIRouter(include_in_schema=False)
for _pages in PAGE_ROUTERS:
    router.include_router(_pages)
