"""Which file store the web tests use: the local folder of each test's instance (default), or
a real S3 server (SeaweedFS) with TEST_STORAGE=s3.

With TEST_STORAGE=s3 the tests use the server named by TEST_S3_ENDPOINT, TEST_S3_ACCESS_KEY
and TEST_S3_SECRET_KEY (CI starts one: `python -m tests.servers s3 DIR`), or start their own
`weed` for the run when those are unset. Every instance folder gets a prefix of its own in
the bucket `referral-builder-test`, so an app and the commands run on the same folder share
their files, as they do on disk, and no test sees another's.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from tests import servers

BUCKET = "referral-builder-test"
_server: servers.S3Server | None = None
_external: dict[str, str] | None = None
_counter = itertools.count(1)
_by_instance: dict[Path, dict[str, str]] = {}


def on_s3() -> bool:
    return os.environ.get("TEST_STORAGE", "") == "s3"


def server_settings() -> dict[str, str]:
    """Endpoint and credentials of the test S3 server, starting one when needed."""
    global _server, _external
    if _external is None and os.environ.get("TEST_S3_ENDPOINT"):
        _external = {"endpoint": os.environ["TEST_S3_ENDPOINT"],
                     "access": os.environ.get("TEST_S3_ACCESS_KEY", ""),
                     "secret": os.environ.get("TEST_S3_SECRET_KEY", "")}
    if _external is not None:
        return _external
    if _server is None:
        workdir = Path(tempfile.mkdtemp(prefix="referral-builder-weed-"))
        _server = servers.start_weed(workdir)
        _server.create_bucket(BUCKET)
        atexit.register(shutil.rmtree, workdir, ignore_errors=True)
        atexit.register(_server.stop)  # runs first
    return {"endpoint": _server.endpoint, "access": _server.access_key,
            "secret": _server.secret_key}


def env_for_prefix(prefix: str, bucket: str = BUCKET) -> dict[str, str]:
    s = server_settings()
    return {"REFERRAL_BUILDER_STORAGE": f"s3://{bucket}/{prefix}",
            "REFERRAL_BUILDER_S3_ENDPOINT": s["endpoint"],
            "REFERRAL_BUILDER_S3_REGION": "us-east-1",
            "REFERRAL_BUILDER_S3_ACCESS_KEY": s["access"],
            "REFERRAL_BUILDER_S3_SECRET_KEY": s["secret"],
            "REFERRAL_BUILDER_S3_SSE": "AES256"}


def config_of(env: dict[str, str]) -> dict[str, Any]:
    """The app config keys `Config.storage_settings()` makes of `env`."""
    from referral_builder.config import Config

    return Config.from_env(env).storage_settings()


def env_for_instance(instance: str | Path) -> dict[str, str] | None:
    """The S3 settings that stand for the files folder of `instance` (None on disk)."""
    if not on_s3():
        return None
    key = Path(instance).resolve()
    if key not in _by_instance:
        _by_instance[key] = env_for_prefix(f"t{os.getpid()}-{next(_counter)}")
    return _by_instance[key]


def damage(store: Any, sha: str, content: bytes = b"truncated") -> None:
    """Overwrite a stored file with other bytes, as a failing disk or a bad copy would."""
    if hasattr(store, "path"):
        store.path(sha).write_bytes(content)
    else:
        store.client.put_object(Bucket=store.bucket, Key=store.key(sha), Body=content)


def make_unwritable(app: Any, tmp_path: Path) -> None:
    """Point the app's store somewhere it cannot write: a folder under a plain file on disk,
    credentials the S3 server refuses."""
    store = app.extensions["files"]
    if hasattr(store, "root"):
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the store's folder should be")
        store.root = blocker / "files"  # unwritable, even for root
    else:
        from referral_builder.storage.files import S3FileStore, S3Settings

        app.extensions["files"] = S3FileStore(S3Settings(
            bucket=store.bucket, prefix=store.settings.prefix,
            endpoint_url=store.settings.endpoint_url, region=store.settings.region,
            access_key=store.settings.access_key, secret_key="not-the-secret"))
