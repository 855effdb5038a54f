#!/bin/sh
# Behaves like Flashphoner WCS as lanctl configures it: LOCAL_IP / EXTERNAL_IP from the
# environment go into server.properties, and an HTTP page shows them. Never echo the whole
# environment: PASSWORD / LICENSE values must not appear in logs or pages.
set -u
local_ip="${LOCAL_IP:-}"
external_ip="${EXTERNAL_IP:-}"
host="$(hostname)"

mkdir -p /srv/conf /srv/www
printf 'ip=%s\nip_local=%s\n' "$external_ip" "$local_ip" > /srv/conf/server.properties
cp /srv/conf/server.properties /srv/www/server.properties
printf 'LOCAL_IP=%s\nEXTERNAL_IP=%s\nHOSTNAME=%s\n' "$local_ip" "$external_ip" "$host" \
  > /srv/www/index.html
echo "media: LOCAL_IP=$local_ip EXTERNAL_IP=$external_ip HOSTNAME=$host"

# httpd runs as a child so that this shell (PID 1) can honour SIGTERM: a PID 1 without a
# handler ignores it and `docker stop` would wait its full timeout.
httpd -f -p 80 -h /srv/www &
pid=$!
trap 'kill "$pid" 2>/dev/null; exit 0' TERM INT
wait "$pid"
