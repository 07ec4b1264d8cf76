"""The MoSy SDMX registry: SDMX REST API and data submissions (FastAPI).

Built on the ``mosy_sdmx`` library, which never imports this package.
"""
