#!/usr/bin/env bash
# Soak: wrk keeps POST /voucher busy for SOAK_SECONDS (10 here, 60 in
# `make soak`) while the artifact is replaced on disk (a rename, as vouch
# process does) and SIGHUP is sent, each twice a second.  Not one request may
# fail, and the server's resident memory (VmRSS) at the end must be close to
# what it was after the first second of load.  Prints the figures.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"
command -v wrk >/dev/null || { echo "skip: wrk not installed"; exit 77; }
seconds=${SOAK_SECONDS:-10}

"$VOUCH" gen --rows 20000 -o a.csv --seed 1
"$VOUCH" gen --rows 20000 -o b.csv --seed 2
expect_exit 0 "$VOUCH" process -q -c all -i a.csv -o a.json
expect_exit 0 "$VOUCH" process -q -c all -i b.csv -o b.json
[ "$(json 'a.version' a.json)" != "$(json 'a.version' b.json)" ] || fail "the two artifacts should differ"

mkdir -p live
cp a.json live/segments.json
start_server serve.log --segments live/segments.json --threads 2 --log-level notice
wait_ready "$(json 'a.version' a.json)"

# Requests that all answer 200 whichever artifact is loaded: both segments,
# every country, the alias field, the batch route.
cat >soak.lua <<'LUA'
local bodies = {}
local countries = { "Peru", "China", "Latvia", "Australia" }
for i, c in ipairs(countries) do
	bodies[#bodies + 1] = string.format('{"customer_id":%d,"country_code":"%s","segment_name":"frequent_segment","total_orders":%d}', i, c, i * 3)
	bodies[#bodies + 1] = string.format('{"customer_id":"c%d","country_code":" %s ","segment_name":"recency_segment","last_order_ts":"2018-05-03 00:00:00","as_of":"2018-08-01T00:00:00Z"}', i, string.lower(c))
end
bodies[#bodies + 1] = '{"customers":[{"customer_id":1,"country_code":"Peru","segment_name":"frequent_segment","total_order":"2.0"},{"customer_id":2,"country_code":"China","segment_name":"frequent_segment","total_orders":20}]}'
local n = 0
request = function()
	n = n + 1
	local body = bodies[(n % #bodies) + 1]
	local path = "/voucher"
	if string.sub(body, 1, 12) == '{"customers"' then path = "/vouchers" end
	return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end
LUA

rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$PID/status"; }
put() {
	cp "$1" live/.segments.json.new
	mv live/.segments.json.new live/segments.json
}

wrk -t2 -c64 -d"${seconds}s" --timeout 5s -s soak.lua "$BASE" >wrk.txt 2>&1 &
wrk_pid=$!
sleep 1
rss_start=$(rss_kb)
rss_max=$rss_start
swaps=0
hups=0
end=$(($(date +%s) + seconds - 2))
while [ "$(date +%s)" -lt "$end" ]; do
	if [ $((swaps % 2)) -eq 0 ]; then put b.json; else put a.json; fi
	swaps=$((swaps + 1))
	sleep 0.25
	kill -HUP "$PID"
	hups=$((hups + 1))
	sleep 0.25
	r=$(rss_kb)
	[ "$r" -gt "$rss_max" ] && rss_max=$r
done
rss_end=$(rss_kb)
wait "$wrk_pid" || fail "wrk failed: $(cat wrk.txt)"
cat wrk.txt
grep -q 'requests in' wrk.txt || fail "wrk printed no totals"
if grep -E 'Non-2xx|Socket errors' wrk.txt; then
	fail "requests failed during the soak"
fi
n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' wrk.txt)
[ "$n" -gt 1000 ] || fail "only $n requests"
kill -0 "$PID" || fail "the server died"
req GET /metrics
reloads=$(sed -n 's/^vouch_reloads_total{result="ok"} //p' resp)
failed=$(sed -n 's/^vouch_reloads_total{result="failed"} //p' resp)
[ "${failed:-0}" -eq 0 ] || fail "$failed reloads failed"
[ "${reloads:-0}" -ge "$hups" ] || fail "only ${reloads:-0} reloads for $hups SIGHUPs and $swaps replacements"
ok
echo "soak: ${seconds}s, $n requests, 0 failed; $swaps replacements, $hups SIGHUPs, $reloads reloads;" \
	"VmRSS start ${rss_start} kB, end ${rss_end} kB, max ${rss_max} kB"
# Flat memory: the end within 25% (and 8 MiB) of the start.  ASan keeps freed
# memory in quarantine, so under ASan the figures are printed, not judged;
# LeakSanitizer checks the server's exit instead.
if [[ "$(ldd "$VOUCH" 2>/dev/null)" != *libasan* ]]; then
	[ "$rss_end" -le $((rss_start + rss_start / 4 + 8192)) ] ||
		fail "memory grew from ${rss_start} kB to ${rss_end} kB"
	ok
fi
stop_server
echo "ok: $checks checks"
