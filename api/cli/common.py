"""Helpers shared by the command modules."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from api.settings import Settings, get_settings


def load_settings() -> Settings:
    return get_settings()


def fail(message: str) -> NoReturn:
    click.secho(message, fg="red", err=True)
    sys.exit(1)
