"""gunicorn in production (docker-compose's web, the Dockerfile's CMD): read from the environment.

Why gthread, 2 workers x 4 threads on 2 cores: a CareCoord request is Python (templates, serializers)
plus waits on PostgreSQL and Redis; two processes use both cores and the threads overlap one request's
database waits with another's Python. Measured with ``make bench-load`` (README, "Serving") at 20,000
children, gthread 2x4 served more requests/s than sync 2x1 at 4 and 16 clients (1.5 and 1.6 against
1.2 and 1.1, on a machine shared with eight test suites, so weak evidence); 2x8 was no better overall
(2.0 at 8 clients, 1.5 at 16) and holds twice the database connections. Each thread holds its own
connection (CONN_MAX_AGE), so a web container opens workers x threads of them: size PgBouncer from that.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))  # one per core
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A request that takes longer than this is a bug, not a page: the worker is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5  # behind a load balancer that keeps connections open
# Recycle workers now and then, so a slow leak cannot grow a worker's memory without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# The workers' heartbeat files: in a container whose /tmp is on overlayfs, point this at a RAM disk.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None
# The proxy in front says https (SECURE_PROXY_SSL_HEADER); trust only the addresses given.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
errorlog = "-"
