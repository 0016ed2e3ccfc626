#!/usr/bin/env bash
# The batch on a real Dask cluster (contrib/dask/vouch-dask): a scheduler and
# two workers (--nthreads 1, no dashboard) on 127.0.0.1.  The driver over 8
# shards gives the version `vouch process` gives in one run; a second run in
# which the worker running shard 5 is SIGKILLed mid-task (the task holds
# until the test has killed it) still gives that version, and the killed
# worker's vouch dies with it; a bad input fails the run with vouch's own
# message (no Python traceback) and leaves the old artifact; every process
# the test started is stopped at the end, by pid.
. "$(dirname "$0")/lib.sh"
for c in dask-scheduler dask-worker; do
	command -v "$c" >/dev/null ||
		{ echo "skip: $c not found (scripts/deps.sh test installs python3-distributed)"; exit 77; }
done
/usr/bin/python3 -c 'import distributed' 2>/dev/null ||
	{ echo "skip: /usr/bin/python3 lacks distributed (scripts/deps.sh test installs python3-distributed)"; exit 77; }
DRIVER="$VOUCH_TESTS/../contrib/dask/vouch-dask"

PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT

# wait_for WHAT CMD...: polls CMD up to 30 s.
wait_for() {
	local what=$1
	shift
	for _ in $(seq 300); do "$@" && return 0; sleep 0.1; done
	fail "timed out waiting for $what"
}

# The job: CSV files and a Parquet file of many row groups (more units than shards).
mkdir data
"$VOUCH" gen --rows 40000 --seed 21 -o data/a.csv 2>/dev/null
"$VOUCH" gen --rows 30000 --seed 22 -o b.csv 2>/dev/null
gzip -c b.csv >data/b.csv.gz
duckdb_sql "COPY (SELECT * FROM read_csv('b.csv', header=true, all_varchar=true))
	TO 'data/c.parquet' (FORMAT parquet, ROW_GROUP_SIZE 2048)"
expect_exit 0 "$VOUCH" process -q -c all -i data -o one.json
want=$(json a.version one.json)

mkdir dask
dask-scheduler --host 127.0.0.1 --port 0 --no-dashboard --scheduler-file sched.json \
	>scheduler.log 2>&1 &
PIDS+=($!)
wait_for "the scheduler" test -s sched.json
start_worker() {
	dask-worker --scheduler-file sched.json --host 127.0.0.1 --nthreads 1 --no-dashboard \
		--no-nanny --local-directory dask >"$1" 2>&1 &
	PIDS+=($!)
}
start_worker w1.log
W1=${PIDS[-1]}
start_worker w2.log
W2=${PIDS[-1]}
wait_for "two workers" bash -c 'grep -q "Registered to" w1.log && grep -q "Registered to" w2.log'

# ---- eight shards ------------------------------------------------------------
expect_exit 0 /usr/bin/python3 "$DRIVER" --scheduler-file sched.json --vouch "$VOUCH" \
	-i data -c all --shards 8 -o dask.json
expect_json a.version dask.json "$want"
expect_stderr "8/8 shards done"
expect_stderr "merged 8 parts"
# The same with the address, and with a named selection and a segments config.
addr=$(node -e 'console.log(require("./sched.json").address)')
cat >cfg.json <<'JSON'
{"segments": {"loyal": {"field": "total_orders", "buckets": [{"min": 0, "max": 4}, {"name": "5+", "min": 5}]}}}
JSON
expect_exit 0 "$VOUCH" process -q -c peru,China --segments-config cfg.json -i data -o one2.json
expect_exit 0 /usr/bin/python3 "$DRIVER" --scheduler "$addr" --vouch "$VOUCH" -q \
	-i data -c peru -c China --segments-config cfg.json --shards 5 -o dask2.json
expect_json a.version dask2.json "$(json a.version one2.json)"

# ---- a worker SIGKILLed mid-run -----------------------------------------------
# The driver's --vouch: the real binary, except that shard 5/8, until the test
# releases it, writes the pid of the worker running it and waits.
cat >held-vouch <<EOF
#!/usr/bin/env bash
case " \$* " in
*" --shard 5/8 "*)
	if [ ! -e "$VOUCH_WORK/released" ]; then
		echo "\$PPID" >"$VOUCH_WORK/held.\$\$"
		while [ ! -e "$VOUCH_WORK/released" ]; do sleep 0.05; done
	fi ;;
esac
exec "$VOUCH" "\$@"
EOF
chmod +x held-vouch
/usr/bin/python3 "$DRIVER" --scheduler-file sched.json --vouch "$VOUCH_WORK/held-vouch" \
	-i data -c all --shards 8 -o killed.json >driver.out 2>driver.err &
DRIVER_PID=$!
PIDS+=("$DRIVER_PID")
wait_for "shard 5 to start" bash -c 'ls held.* >/dev/null 2>&1'
held=$(ls held.* | head -1)
victim=$(cat "$held")
[ "$victim" = "$W1" ] || [ "$victim" = "$W2" ] || fail "shard 5 runs in $victim, not a worker ($W1, $W2)"
ok
kill -KILL "$victim"
wait "$victim" 2>/dev/null || true
# The killed worker's task process dies with it (setpriv --pdeathsig).
wait_for "the killed worker's vouch to die" bash -c "! kill -0 ${held#held.} 2>/dev/null"
touch released
wait "$DRIVER_PID" || { cat driver.err >&2; fail "the run with a killed worker failed"; }
expect_json a.version killed.json "$want"
grep -q "8/8 shards done" driver.err || fail "driver: $(cat driver.err)"
ok

# ---- a bad input fails the run, with vouch's message ---------------------------
printf 'a,b\n1,2\n' >data/zz-bad.csv
cp dask.json keep.json
expect_exit 1 /usr/bin/python3 "$DRIVER" --scheduler-file sched.json --vouch "$VOUCH" \
	-i data -c all --shards 4 -o keep.json
expect_stderr "vouch-dask: shard 3/4 failed on"
expect_stderr "data/zz-bad.csv: missing column 'timestamp'"
grep -q Traceback stderr && fail "a Python traceback: $(cat stderr)"
cmp -s keep.json dask.json || fail "a failed run changed the artifact"
ok
rm data/zz-bad.csv
# Usage errors and an unreachable scheduler.
expect_exit 2 /usr/bin/python3 "$DRIVER" --scheduler-file sched.json -i data -o x.json
expect_exit 1 /usr/bin/python3 "$DRIVER" --scheduler "tcp://127.0.0.1:$(free_port)" --timeout 1 \
	--vouch "$VOUCH" -i data --shards 2 -o x.json
expect_stderr "vouch-dask: cannot reach the scheduler"
finish
