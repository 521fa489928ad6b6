"""Production web server settings: `gunicorn -c gunicorn.conf.py 'app:create_app()'`, behind
nginx (deploy/nginx.conf.template).

Threaded workers, each running at most SHOUHOU_MAX_CONCURRENT requests at once (default: the
thread count less a quarter, at least one less), so that a free thread answers load beyond
capacity with 503 at once instead of every thread being busy and requests queueing for one.
nginx's upstream limit is the web processes times that number.
"""

import multiprocessing
import os


def request_limit(threads: int) -> int:
    """Requests one process runs at once: its threads less the headroom that answers 503s."""
    return max(1, threads - max(1, threads // 4))


bind = os.environ.get("SHOUHOU_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SHOUHOU_WEB_PROCESSES", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("SHOUHOU_WEB_THREADS", "4"))
backlog = 256
timeout = 60
graceful_timeout = 20
accesslog = os.environ.get("SHOUHOU_ACCESS_LOG")  # unset: no access log
# The proxies whose X-Forwarded-Proto (gunicorn) and X-Forwarded-For (app/proxy.py) count
trusted_proxies = os.environ.get("SHOUHOU_TRUSTED_PROXIES", "127.0.0.1,::1")
forwarded_allow_ips = trusted_proxies
# for the app in the worker processes (app/config.py), without changing this process's environment
raw_env = [
    f"SHOUHOU_MAX_CONCURRENT={os.environ.get('SHOUHOU_MAX_CONCURRENT') or request_limit(threads)}",
    f"SHOUHOU_TRUSTED_PROXIES={trusted_proxies}",
]


def post_worker_init(worker: object) -> None:
    """Name no server software in responses. Gunicorn has no setting for its `Server` header
    (an application's own Server header is sent beside it, not instead); each response takes
    the name from `gunicorn.http.wsgi.SERVER`, so every worker blanks it once it is up."""
    import gunicorn.http.wsgi

    gunicorn.http.wsgi.SERVER = ""  # type: ignore[misc]
