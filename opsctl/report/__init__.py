"""``opsctl report``: one self-contained HTML file of fulfilment KPIs that people can read.

* :mod:`~opsctl.report.build`: what the report shows, gathered from a KPI run;
* :mod:`~opsctl.report.reviews`: what 1–3 star reviews complain about, in five languages;
* :mod:`~opsctl.report.svg`: inline SVG charts (sparkline, daily line, bars);
* :mod:`~opsctl.report.html`: the HTML document.
"""
