"""Log lines that carry their request's id, as text (``LOG_FORMAT=text``, the default) or as
one JSON object per line (``LOG_FORMAT=json``).

``logging_config(settings)`` is one ``logging.config.dictConfig`` for the whole process:
the root handler on standard error with the chosen formatter and the ``RequestIdFilter``,
and uvicorn's loggers (``uvicorn.error``, ``uvicorn.access``) sending their records to it
rather than to handlers of their own, so the access line is formatted like the rest and
carries the request id too (uvicorn writes it while the request's context is bound, see
``app.request_id``). ``serve`` hands the same dict to uvicorn (``log_config``), so every
worker process applies it as well. A line written outside any request has ``-``.
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

from app.core.correlation import current_request_id
from app.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
NO_REQUEST = "-"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the current request's, or ``-``) to every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or NO_REQUEST
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``time`` (UTC, RFC 3339), ``level``, ``logger``,
    ``message``, ``request_id`` (null outside a request); the access line adds ``client``,
    ``method``, ``path``, ``http_version`` and ``status``; a traceback goes in
    ``exception``, whole, inside the one line."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or current_request_id()
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if request_id == NO_REQUEST else request_id,
        }
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            client, method, path, version, status = args
            line.update(
                client=client, method=method, path=path, http_version=version, status=status
            )
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def logging_config(settings: Settings) -> dict[str, Any]:
    """The ``dictConfig`` of ``LOG_LEVEL`` and ``LOG_FORMAT`` (see the module doc)."""
    level = settings.log_level.upper()
    formatter = "json" if settings.log_format == "json" else "text"
    forward = {"level": level, "handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "formatters": {
            "text": {"format": TEXT_FORMAT},
            "json": {"()": f"{__name__}.JsonFormatter"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": formatter,
                "filters": ["request_id"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {name: dict(forward) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


def configure_logging(settings: Settings) -> None:
    """Apply ``logging_config(settings)`` to this process."""
    logging.config.dictConfig(logging_config(settings))
