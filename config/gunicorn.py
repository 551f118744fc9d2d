"""gunicorn configuration, read with `gunicorn -c config/gunicorn.py config.asgi:application`.

Every value comes from the environment; logs go to stdout.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Without Redis the live board's channel layer lives inside one process: a change served by one
# worker would never reach the boards connected to another, so one worker unless REDIS_URL is set.
default_workers = min(multiprocessing.cpu_count() * 2 + 1, 8) if os.environ.get("REDIS_URL") else 1
workers = int(os.environ.get("GUNICORN_WORKERS", default_workers))
# uvicorn's worker serves the ASGI application: pages, the API and the live board's WebSockets,
# each worker process many connections at once (config/asgi_worker.py keeps its access log clean).
worker_class = "config.asgi_worker.UvicornWorker"
# Used only by gunicorn's thread worker (`-k gthread config.wsgi:application`, which serves no WebSockets).
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))

# Blanks the tokens of reset and verification links in the access log.
logger_class = "config.scrub.GunicornLogger"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# %(U)s is the path without its query string, so tokens passed as query
# parameters never reach the log; referrers are left out for the same reason.
access_log_format = os.environ.get(
    "GUNICORN_ACCESS_LOG_FORMAT",
    '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"',
)
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
