"""Data submissions: receive an upload, accept or reject it atomically, keep the log.

- ``receiving``: stream an upload to a temporary file under the size limit,
  with its SHA-256; ``multipart``: the same for the file of a multipart form,
  as the form is parsed;
- ``records``: the immutable log (``submissions``) and the original files
  (``submission_files``, in the database: every process serves them);
- ``accepting``: the one submission path: validate with the library (through
  ``registry.loading``) and store data, log row, file, release and
  registration in one transaction, or log a rejection, or a duplicate;
- ``receipts``: what a submitter is told (receipt, links).

``POST /api/submissions``, the SDMX REST data maintenance routes and the
portal's upload form all call ``accepting.submit``.
"""
