"""Documents people take away: the regulator dossier of an inquiry, the compliance report.

Rendered from Jinja2 templates to HTML and, with WeasyPrint, to PDF — in memory: a document
that holds personal data is handed to the person entitled to it and never written to disk.
"""
