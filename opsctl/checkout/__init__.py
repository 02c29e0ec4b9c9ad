"""``opsctl checkout audit``: Lighthouse for checkouts.

A checkout is described by up to three inputs: a spec (what the team says the
checkout does), its pages (what the HTML shows) and its funnel events (what
shoppers did). Each becomes :class:`~opsctl.checkout.facts.CheckoutFacts` or a
:class:`~opsctl.checkout.funnel.Funnel`; audits registered through the
``register_checkout_audits`` hook score them; the report is a Lighthouse-like
document rendered as a table, Markdown or HTML.

Modules, by job:

- :mod:`facts` — the shared vocabulary (facts, evidence, merging spec and pages);
- :mod:`settings` and :mod:`spec` — the spec's layout and its reader;
- :mod:`pages` and :mod:`browser` — reading, fetching and rendering pages;
- :mod:`dom`, :mod:`text_search`, :mod:`patterns`, :mod:`fields`,
  :mod:`form_fields`, :mod:`payments` and :mod:`extract` — facts off one page;
- :mod:`flow` — the facts of a checkout from its pages in order;
- :mod:`funnel` — the funnel from GA4 events;
- :mod:`scoring` and :mod:`audit` — Lighthouse's scoring, the plugin API;
- :mod:`run`, :mod:`report`, :mod:`baseline`, :mod:`render` and
  :mod:`render_html` — one run, its report, the CI gate and the outputs.
"""
