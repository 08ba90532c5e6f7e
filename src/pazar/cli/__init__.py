"""The `pazar` command line (typer). Each module registers one group of commands on ``common.app``."""

from pazar.cli import accounts, moderation, server, webhooks
from pazar.cli import sandbox as sandbox
from pazar.cli.common import app, main

__all__ = ["accounts", "app", "main", "moderation", "server", "webhooks"]
