"""SDMX REST interfaces this release does not serve yet: a clear 501, never a 404.

The standard asks every service to answer each interface, if only with 501
(status.md). Data and availability have their own routers (``data``,
``availability``), mounted before this one and before the structure routes,
whose ``/sdmx/2.1/{resource}`` would otherwise match them.
"""

from __future__ import annotations

from fastapi import APIRouter

from registry.errors import ApiError

router = APIRouter(tags=["not yet implemented"])

_WHAT = {
    "metadata": "reference metadata queries",
}


def _not_yet(interface: str):
    def handler(path: str = "") -> None:
        raise ApiError(
            501, "Not implemented", f"{_WHAT[interface]} are not served by this registry yet"
        )

    return handler


for prefix, names in (
    ("/sdmx/2.1", ("metadata",)),
    ("/sdmx/3.0", ("metadata",)),
):
    for name in names:
        router.add_api_route(
            f"{prefix}/{name}/{{path:path}}",
            _not_yet(name),
            methods=["GET"],
            summary=f"{_WHAT[name].capitalize()} (not implemented yet)",
            responses={501: {"description": "Not implemented"}},
            name=f"unimplemented_{prefix[-3:]}_{name}",
        )
