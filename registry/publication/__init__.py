"""Publication: releases of loads, public dataflows recomputed with disclosure control.

``releases`` records a release in each load's transaction; ``publish``
recomputes the public flows of the keys it touched; ``frames`` reads the
store as the library's frames; ``worker`` runs publication and notification
delivery in the background of every registry process.
"""
