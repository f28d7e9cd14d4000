"""gunicorn in production (docker-compose's web, the Dockerfile's CMD): read from the environment.

Why gthread, 2 workers x 4 threads on 2 cores: two processes use both cores, and a worker's threads
keep the site answering while a video is played (range requests) or a CSV export streams, which would
hold a sync worker for its whole length (with two workers, two such downloads stop the site). On the
CPU-bound benchmark mix sync 2x1 is faster: ``make bench-load`` at 20,000 children on a quiet 2-core
machine gave 34.1 requests/s for sync 2x1 and 29.7 for gthread 2x4 at 16 clients (README, "Serving");
2x8 was no better and holds twice the database connections. Each thread holds its own connection
(CONN_MAX_AGE), so a web container opens workers x threads of them: size PgBouncer from that.
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
