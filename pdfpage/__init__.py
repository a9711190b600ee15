"""What a PDF page shows, apart from what any edition of the leaflet says.

Opening a PDF within limits, interpreting its content (what is painted and what is visible),
the words with their boxes, and the role of every piece of text on a page (page furniture,
heading, table structure, stamp, prose). `extractors/` reads editions on top of this package;
nothing here knows a heading or a measure.
"""

import logging as _logging

# pdfminer logs what it finds odd in a file as warnings ("Could not get FontBBox from font
# descriptor", "Skipping invalid font width specification"): a real PDF's quirks, not a fault
# of the run, and never a figure at risk (every figure is checked against the rendered page).
# A successful run prints no alarming lines, so only its errors are shown, in every process
# that reads pages (the guard's children import this package, not the CLI's logging setup).
_logging.getLogger("pdfminer").setLevel(_logging.ERROR)
