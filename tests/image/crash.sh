#!/bin/sh
# Starts, then dies shortly after: `docker run -d` succeeds but the tenant is not running.
echo "crash: exiting with 1" >&2
sleep 0.2
exit 1
