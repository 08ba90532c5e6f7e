"""The `pazar` command line (typer). Each module registers one group of commands on ``common.app``."""

from pazar.cli import accounts, listen, moderation, server, webhooks
from pazar.cli import messages as messages
from pazar.cli import sandbox as sandbox
from pazar.cli import wallet as wallet
from pazar.cli.common import app, main

__all__ = ["accounts", "app", "listen", "main", "moderation", "server", "webhooks"]
