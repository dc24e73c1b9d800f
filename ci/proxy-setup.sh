# The fair proxy setup that ci/bench-gateway and ci/bench-latency share
# (docs/PERFORMANCE.md, "Gateway throughput and memory"), written once so
# that both measure the same thing:
#   - one upstream for every proxy: nginx, 1 worker, `return 200` with a
#     64-byte body;
#   - each proxy with 2 workers and keep-alive connections to the upstream;
#   - access logs off everywhere.
# Source it after ci/lib.sh (it uses PROG and ROOT):
#
#   proxy_wait_port PORT                 until 127.0.0.1:PORT accepts (5 s)
#   proxy_write_upstream DIR PORT        DIR/nginx.conf: the upstream
#   proxy_write_gateway FILE PORT UP     the gateway's config, upstream UP
#   proxy_write_nginx DIR PORT UP        DIR/nginx.conf: nginx proxy_pass to UP
#   cpu_tree PID                         CPU clock ticks (user + system) of
#                                        PID and its children
#   bench_build_opt DIR LOG LABEL...     `bazel build -c opt` (static musl,
#                                        the shipped build), binaries copied
#                                        into DIR; output in LOG
#
# bench_build_opt uses the workspace's own output base unless
# BENCH_OUTPUT_BASE names another (then it makes no convenience links), and
# adds the flags of the array BENCH_BAZEL_FLAGS (e.g. --disk_cache=DIR).

proxy_wait_port() {  # proxy_wait_port PORT
  local _
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "${PROG:-ci}: nothing listening on $1" >&2
  exit 1
}

# DIR/nginx.conf: the settings every nginx here shares (foreground, no
# access log, keep-alive without a request cap), WORKERS workers, and the
# http block's own lines from stdin.
nginx_conf() {  # nginx_conf DIR WORKERS < HTTP_BLOCK_LINES
  mkdir -p "$1"
  {
    cat <<CONF
worker_processes $2;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
CONF
    cat
    echo "}"
  } >"$1/nginx.conf"
}

proxy_write_upstream() {  # proxy_write_upstream DIR PORT
  local body
  body=$(printf '%064d' 0)  # 64 bytes
  nginx_conf "$1" 1 <<CONF
  server {
    listen 127.0.0.1:$2 reuseport backlog=4096;
    location / { return 200 "$body"; }
  }
CONF
}

proxy_write_gateway() {  # proxy_write_gateway FILE PORT UPSTREAM_PORT [LISTENER]
  cat >"$1" <<CONF
listen: 127.0.0.1:$2
workers: 2
listener: ${4:-shared}
access_log: false
upstreams:
  up: { endpoints: [127.0.0.1:$3], max_idle: 128 }
routes:
  - match: /*
    dest: up
    timeout: 5s
CONF
}

# LISTEN_OPTS (default "reuseport"): "" gives nginx's default, one socket
# shared by the workers (EPOLLEXCLUSIVE, accept_mutex off).
proxy_write_nginx() {  # proxy_write_nginx DIR PORT UPSTREAM_PORT [LISTEN_OPTS]
  nginx_conf "$1" 2 <<CONF
  upstream up { server 127.0.0.1:$3; keepalive 64; }
  server {
    listen 127.0.0.1:$2 ${4-reuseport} backlog=4096;
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
CONF
}

cpu_tree() {  # cpu_tree PID
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

bench_build_opt() {  # bench_build_opt DIR LOG LABEL...
  local dir=$1 log=$2 label bin_dir startup=() links=()
  shift 2
  if [[ -n ${BENCH_OUTPUT_BASE:-} ]]; then
    # As bazel_at does: links into another output base would replace the
    # developer's own.
    startup=(--output_base="$BENCH_OUTPUT_BASE")
    links=(--symlink_prefix=/)
  fi
  local flags=(-c opt "${BENCH_BAZEL_FLAGS[@]}")
  (cd "$ROOT" && timeout 900 bazel "${startup[@]}" build "${flags[@]}" "${links[@]}" "$@") >"$log" 2>&1 || return 1
  # The bazel-bin link follows whichever build ran last in the workspace;
  # ask for the opt output directory instead.
  bin_dir=$(cd "$ROOT" && bazel "${startup[@]}" info "${flags[@]}" bazel-bin 2>>"$log") || return 1
  for label in "$@"; do
    label=${label#//}
    cp "$bin_dir/${label%%:*}/${label##*:}" "$dir/" || return 1
  done
}
