"""Azure integration: the Function app template (and setup/teardown script generation)."""
