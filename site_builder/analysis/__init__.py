"""What the filings say together: totals, notes, categories, the site model and the site-wide views."""
