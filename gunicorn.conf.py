"""gunicorn settings for `gunicorn app:server` (read from the working directory; docs/SCALING.md).

Threads let a worker answer the cheap requests (cached cube and geometry GETs, the page) while another thread
draws a side panel, instead of queueing them behind it; the analytics' memos are thread-safe and shared by a
worker's threads, so threads add no memory. A kept-alive connection is held open for `keepalive` seconds: longer
than a user pauses between clicks and than a load balancer's idle timeout (60 s on the common ones), so the
server never closes a connection its client is about to reuse. `-w` on the command line overrides `workers`.
"""
import multiprocessing

workers = 2 * multiprocessing.cpu_count()
worker_class = "gthread"
threads = 4
timeout = 120
keepalive = 75
