"""The sandbox control plane under ``/_pazar/v1`` (sandbox mode only)."""
