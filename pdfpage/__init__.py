"""What a PDF page shows, apart from what any edition of the leaflet says.

Opening a PDF within limits, interpreting its content (what is painted and what is visible),
the words with their boxes, and the role of every piece of text on a page (page furniture,
heading, table structure, stamp, prose). `extractors/` reads editions on top of this package;
nothing here knows a heading or a measure.
"""
