"""aupipe trainer: run as `python3 -m training ...` from the repository root."""
