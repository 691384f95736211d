"""gunicorn's configuration for the web service (the image's CMD, compose.yaml, scripts/load).

Every value can be set from the environment, so a council sizes the service without editing
this file: `gunicorn config.wsgi --config gunicorn.conf.py`.
"""

import multiprocessing
import os

# gunicorn reads this file before Django is loaded, so it reads os.environ itself; each
# variable is in the README's table (tests/test_environment.py finds every read).
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT') or 8000}"
# Worker processes x threads: each thread holds one request (and one database connection).
# Default: 2 per core, plus one; WEB_CONCURRENCY is the name most platforms set.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 2)
# A request still running after this many seconds is killed with its worker (a report for
# every area over years is the slowest page, a few seconds); the proxy in front should wait
# a little longer than this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 30)
# Longer than the load balancer's idle timeout would make the balancer close first, the safe
# way round; gunicorn's default of 2 s closes idle connections the proxy is about to reuse.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE") or 10)
# Recycle each worker after this many requests (with jitter, so they do not all restart at
# once): bounds the memory a slow leak could take.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 10000)
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER") or 1000)
# No access log: the application writes one JSON line per request (user id, status,
# duration, request id) and gunicorn's line would repeat it without those.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The addresses of the proxies allowed to set X-Forwarded-Proto (and so mark a request as
# HTTPS): the council's load balancer. "*" only where nothing but the proxy reaches gunicorn
# (inside a container network). The client's own address is PROXY_COUNT's business
# (config/client_address.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Uploads and bodies are limited by the application (2 MB, 20 MB for imports); headers here.
limit_request_field_size = 8190
# No control socket (gunicorn 25+ opens one for `gunicornc` in $HOME/.gunicorn): nothing here
# uses it, a read-only home cannot hold it, and two processes on one machine (scripts/load)
# would share its path.
control_socket_disable = True
# Temporary files in memory, not in the container's writable layer.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
