"""The production server: gunicorn with several worker processes (`referral-builder serve`).

Before any worker starts, the master process brings the schema up to date, sweeps orphaned
temporary files and makes the secret key file once, then closes its database connections so
that no worker inherits one across the fork. Each worker builds its own app and engine.
Bundle builds run in a thread of the worker that was asked and are tracked in the database
(web/bundles.py), so any worker can answer for them.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from referral_builder.cli._app import flask_app
from referral_builder.config import Config

#: gthread: each worker answers the bundle-status polls and page views of other users while
#: one of its threads waits on an upload or the first seconds of a bundle build.
THREADS = 4


class GunicornServer(BaseApplication):
    def __init__(self, options: dict[str, Any], app_config: dict[str, Any]) -> None:
        self.options = options
        self.app_config = app_config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return flask_app(**self.app_config)


def options(host: str, port: int, workers: int, threads: int = THREADS) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 120,  # a 25MB upload on a slow line; bundle builds run in a thread
        "graceful_timeout": 30,
        "accesslog": "-",
        "errorlog": "-",
        # X-Forwarded-Proto from the reverse proxy on the same host only; see docs/deploy.md.
        "forwarded_allow_ips": Config.from_env().forwarded_allow_ips,
    }
    from gunicorn.config import KNOWN_SETTINGS

    if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS):
        # gunicorn 24+ opens ~/.gunicorn/gunicorn.ctl, shared by every server of the user.
        opts["control_socket_disable"] = True
    return opts


def prepare() -> None:
    """Upgrade the schema, sweep temporary files and make the secret key, in the master."""
    app = flask_app()  # upgrades (AUTO_UPGRADE_DB) and sweeps the file store
    app.extensions["db"].engine.dispose()


def serve(host: str, port: int, workers: int, threads: int = THREADS) -> None:
    prepare()
    GunicornServer(options(host, port, workers, threads), {"AUTO_UPGRADE_DB": False}).run()
