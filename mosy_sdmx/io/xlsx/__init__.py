"""Excel workbooks: the ``xlsx`` data format and partner templates.

``reader.read`` and ``writer.write`` are the format's entries in
``mosy_sdmx.io.table``; ``template.build_template`` makes the workbook a
provider fills in. All three share the sheet names and the hidden meta sheet
of ``meta``.
"""
