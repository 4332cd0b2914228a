"""The kinds of bulk load behind ``jiuzhu import KIND …``, registered by the apps that own them.

core imports no domain app: ``areas`` registers ``areas``, ``registry`` registers ``registry`` and
``verify`` registers ``feed`` in their ``AppConfig.ready()``. ``configure(parser)`` adds the kind's
arguments to its sub-parser; ``run(**options)`` does the load and returns the line to print (it
raises ``CommandError`` with a Chinese message on bad input).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Importer:
    name: str
    help: str
    configure: Callable
    run: Callable[..., str]


IMPORTERS: dict[str, Importer] = {}


def importer_register(importer: Importer) -> None:
    IMPORTERS[importer.name] = importer
