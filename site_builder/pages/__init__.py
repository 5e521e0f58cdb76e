"""The page map and what each page prints: contexts, charts, search fields, number formats, data downloads."""
