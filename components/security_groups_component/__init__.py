"""Security groups from validated config: the component, its presets and its config loader."""
