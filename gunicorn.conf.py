"""Production web server settings: `gunicorn -c gunicorn.conf.py 'app:create_app()'`.

Threaded workers, with a per-process request limit (SHOUHOU_MAX_CONCURRENT, set here to the
thread count) so that load beyond capacity is refused with 503 instead of queueing.
"""

import multiprocessing
import os

bind = os.environ.get("SHOUHOU_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SHOUHOU_WEB_PROCESSES", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("SHOUHOU_WEB_THREADS", "4"))
os.environ.setdefault("SHOUHOU_MAX_CONCURRENT", str(threads))
backlog = 256
timeout = 60
graceful_timeout = 20
accesslog = os.environ.get("SHOUHOU_ACCESS_LOG")  # unset: no access log


def post_worker_init(worker: object) -> None:
    """Name no server software in responses. Gunicorn has no setting for its `Server` header
    (an application's own Server header is sent beside it, not instead); each response takes
    the name from `gunicorn.http.wsgi.SERVER`, so every worker blanks it once it is up."""
    import gunicorn.http.wsgi

    gunicorn.http.wsgi.SERVER = ""  # type: ignore[misc]
