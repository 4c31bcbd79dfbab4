#!/bin/sh
# The entrypoint of the Yorisoi image: one image, one process per container, chosen by the first argument.
#   api             the HTTP service and web UI (api.py, uvicorn on YORISOI_API_HOST:YORISOI_API_PORT)
#   worker          the Temporal worker (worker.py); SIGTERM stops polling and lets running activities finish
#   migrate         the read model's schema step (python -m store.migrate upgrade), a one-shot before the others
#   temporal-setup  register the namespace, its retention and the search attributes (python -m deploy.temporal_setup);
#                   `temporal-setup --check` only verifies them (the worker's init container)
# Anything else is run as given (e.g. `python -m workflows replay ...`). `exec` keeps Python as PID 1, so the
# signals of `docker stop` and of Kubernetes reach the handlers of the worker and of uvicorn.
set -eu
command="${1:-api}"
if [ "$#" -gt 0 ]; then shift; fi
case "$command" in
  api) exec python /app/api.py "$@" ;;
  worker) exec python /app/worker.py "$@" ;;
  migrate) exec python -m store.migrate upgrade "$@" ;;
  temporal-setup) exec python -m deploy.temporal_setup "$@" ;;
  *) exec "$command" "$@" ;;
esac
