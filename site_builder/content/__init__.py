"""The filing format and the inputs as read: YAML with positions, the typed model, validation, targets, settings."""
