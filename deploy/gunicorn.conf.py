"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Behind nginx (deploy/nginx-symposium.conf), which buffers whole requests and answers, so
that a slow client holds an nginx connection, never one of these few sync workers.
"""

import os

#: WEB_CONCURRENCY sets the number of workers (gunicorn's own variable); the app reads it
#: too and refuses to start in production with several workers and no shared Redis.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
os.environ["WEB_CONCURRENCY"] = str(workers)
bind = os.environ.get("SYMPOSIUM_BIND", "127.0.0.1:8000")
#: a request that takes longer is stuck: the worker is restarted
timeout = 60
graceful_timeout = 30
#: nginx keeps connections to us open between requests
keepalive = 5
#: a fresh worker now and then keeps memory in check
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
forwarded_allow_ips = "127.0.0.1"


def post_fork(server, worker):
    # `--workers` on the command line wins over this file: tell the app what was chosen.
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)


def child_exit(server, worker):
    # /metrics adds up every worker's figures (PROMETHEUS_MULTIPROC_DIR); a worker that
    # ended no longer counts in the gauges.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
