#!/usr/bin/env bash
# bench/postgres.sh: durable earn commits per second on PostgreSQL against
# pgbench TPC-B on the same server, in the same run.
#
#   LOYALTY_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
#     bench/postgres.sh [seconds]
#
# 1. builds bench/pgearn, creates the scratch database loyalty_pgbench and
#    runs `pgbench -i` in it;
# 2. for each round (BENCH_ROUNDS, default 3), runs bench/pgearn with 8
#    concurrent clients doing Engine.Earn (load, evaluate, one-round-trip
#    durable commit) for the duration, in a scratch schema it drops, then
#    `pgbench -c 8 -j 2 -T <seconds>` (TPC-B-like) for the same duration;
# 3. prints earns/s, pgbench tps and their ratio per round, and the median
#    ratio (target: at least 0.8); drops loyalty_pgbench.
#
# Seconds default to 10 (or $BENCH_SECONDS), so a default run takes about
# 80 s. Every step runs under timeout(1) and only a server on the loopback is
# accepted. With BENCH_STRICT=1 the script exits 1 when the median ratio is
# below the target.
set -euo pipefail

DSN="${LOYALTY_POSTGRES_DSN:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
SECONDS_RUN="${1:-${BENCH_SECONDS:-10}}"
ROUNDS="${BENCH_ROUNDS:-3}"
CLIENTS=8
TARGET=0.8
PGBENCH_DB=loyalty_pgbench

if ! [[ "$SECONDS_RUN" =~ ^[0-9]+$ ]] || ((SECONDS_RUN < 1 || SECONDS_RUN > 300)); then
	echo "postgres.sh: seconds must be a whole number from 1 to 300, got '$SECONDS_RUN'" >&2
	exit 2
fi
if ! [[ "$ROUNDS" =~ ^[0-9]+$ ]] || ((ROUNDS < 1 || ROUNDS > 9)); then
	echo "postgres.sh: BENCH_ROUNDS must be 1 to 9, got '$ROUNDS'" >&2
	exit 2
fi
for tool in go psql pgbench timeout awk; do
	command -v "$tool" >/dev/null || { echo "postgres.sh: $tool is not installed" >&2; exit 2; }
done

# The host of the DSN, URL or key=value form; only the loopback is allowed.
if [[ "$DSN" == postgres://* || "$DSN" == postgresql://* ]]; then
	host=$(printf '%s' "$DSN" | sed -E 's#^[a-z]+://([^@/]*@)?(\[[^]]*\]|[^:/?]*).*#\2#')
else
	host=$(printf '%s' "$DSN" | sed -nE 's#.*(^|[[:space:]])host=([^[:space:]]*).*#\2#p')
fi
case "$host" in
127.0.0.1 | localhost | "[::1]" | ::1) ;;
*)
	echo "postgres.sh: refusing host '$host': this benchmark only runs against a server on 127.0.0.1" >&2
	exit 2
	;;
esac

# libpq (psql, pgbench) rejects pgx's pool_* parameters: drop them.
LIBPQ_DSN=$(printf '%s' "$DSN" | sed -E 's/([?&])pool_[a-z_]+=[^&]*/\1/g; s/&&+/\&/g; s/\?&/?/; s/[?&]$//')
# The same server, database loyalty_pgbench.
if [[ "$LIBPQ_DSN" == postgres://* || "$LIBPQ_DSN" == postgresql://* ]]; then
	PGBENCH_DSN=$(printf '%s' "$LIBPQ_DSN" | sed -E "s#^([a-z]+://[^/?]*)(/[^?]*)?#\1/$PGBENCH_DB#")
else
	PGBENCH_DSN="$LIBPQ_DSN dbname=$PGBENCH_DB"
fi

cd "$(dirname "$0")/.."
work=$(mktemp -d)
cleanup() {
	timeout 30 psql "$LIBPQ_DSN" -qX -c "DROP DATABASE IF EXISTS $PGBENCH_DB WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

checkpoint() { timeout 60 psql "$LIBPQ_DSN" -qX -c CHECKPOINT >/dev/null 2>&1 || true; }

echo "== machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "== server:  $(timeout 30 psql "$LIBPQ_DSN" -AtX -c "SELECT version()" | cut -d, -f1)," \
	"synchronous_commit=$(timeout 30 psql "$LIBPQ_DSN" -AtX -c "SHOW synchronous_commit")," \
	"fsync=$(timeout 30 psql "$LIBPQ_DSN" -AtX -c "SHOW fsync")"

echo "== building bench/pgearn"
timeout 300 go build -o "$work/pgearn" ./bench/pgearn

echo "== pgbench -i in the scratch database $PGBENCH_DB"
timeout 60 psql "$LIBPQ_DSN" -qX -v ON_ERROR_STOP=1 \
	-c "DROP DATABASE IF EXISTS $PGBENCH_DB WITH (FORCE)" -c "CREATE DATABASE $PGBENCH_DB" 2>&1 | grep -v NOTICE || true
timeout 300 pgbench -i -q "$PGBENCH_DSN" >"$work/pgbench-init.out" 2>&1 || { cat "$work/pgbench-init.out" >&2; exit 1; }

# Rounds alternate the two loads, so that whatever else the machine does
# weighs on both alike; the ratio is judged on the median round.
ratios=()
earns_all=()
tps_all=()
for round in $(seq 1 "$ROUNDS"); do
	echo "== round $round/$ROUNDS: loyalty, $CLIENTS clients doing Engine.Earn, ${SECONDS_RUN}s"
	checkpoint
	timeout $((SECONDS_RUN + 180)) "$work/pgearn" -dsn "$DSN" -clients "$CLIENTS" -duration "${SECONDS_RUN}s" | tee "$work/pgearn.out"
	earns=$(awk '/^earns\/s:/ {print $2}' "$work/pgearn.out")

	echo "== round $round/$ROUNDS: pgbench TPC-B, $CLIENTS clients, 2 threads, ${SECONDS_RUN}s"
	checkpoint
	timeout $((SECONDS_RUN + 120)) pgbench -c "$CLIENTS" -j 2 -T "$SECONDS_RUN" "$PGBENCH_DSN" 2>&1 | tee "$work/pgbench.out" | grep -E '^(latency average|tps)'
	tps=$(awk '/^tps = / {print $3; exit}' "$work/pgbench.out")

	if [[ -z "$earns" || -z "$tps" ]]; then
		echo "postgres.sh: a run printed no figure (earns/s '$earns', tps '$tps')" >&2
		exit 1
	fi
	ratio=$(awk -v a="$earns" -v b="$tps" 'BEGIN { printf "%.2f", a / b }')
	echo "   round $round ratio: $ratio"
	ratios+=("$ratio")
	earns_all+=("$earns")
	tps_all+=("$tps")
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.1f\n", s / NR }'; }
ratio=$(median "${ratios[@]}")
met=$(awk -v r="$ratio" -v t="$TARGET" 'BEGIN { print (r >= t) ? "met" : "NOT met" }')
echo
echo "== result ($ROUNDS rounds of ${SECONDS_RUN}s each)"
printf 'loyalty earns/s:    %s (mean; rounds: %s)\n' "$(mean "${earns_all[@]}")" "${earns_all[*]}"
printf 'pgbench TPC-B tps:  %s (mean; rounds: %s)\n' "$(mean "${tps_all[@]}")" "$(printf '%.1f ' "${tps_all[@]}")"
printf 'ratio:              %s (median of rounds: %s; target >= %s: %s)\n' "$ratio" "${ratios[*]}" "$TARGET" "$met"
if [[ "${BENCH_STRICT:-}" == 1 && "$met" != met ]]; then
	exit 1
fi
