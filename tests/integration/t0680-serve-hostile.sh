#!/usr/bin/env bash
# Issue 14 items 1-7 against the real `vouch serve` over raw sockets
# (tests/tools/http-hostile.mjs): strict framing and parsing (items 4-7,
# with every refusal in the JSON format and the exact head limit), a
# slow-header attack with a small connection limit and under a small
# `ulimit -n` (item 1), half-sent 8 MiB bodies under a small body budget with
# bounded memory (item 2), and a pair of client addresses that share a place
# in the per-address table (item 3).  A legitimate client must be served
# throughout each attack; /metrics counts what the engine did.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

cat >orders.csv <<'CSV'
timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount
2018-06-15 10:00:00,Testland,2018-05-01,2017-01-01,2,100
CSV
expect_exit 0 "$VOUCH" process -i orders.csv -c Testland -o segments.json
hostile() { node "$VOUCH_TESTS/tools/http-hostile.mjs" "$PORT" "$@"; }

# Items 4-7.
start_server framing.log --segments segments.json --max-header 1024 --threads 2
hostile framing || { tail -n 30 framing.log >&2; fail "framing"; }
ok
kill -0 "$PID" || fail "the server died"
stop_server

# Item 1: 120 dripping connections, 40 allowed, a 1 s head deadline; the
# legitimate client comes from the same address (no per-address limit).
start_server slow.log --segments segments.json --header-timeout 1 --max-connections 40 \
	--max-per-ip 0 --threads 2
hostile slow-headers || { tail -n 30 slow.log >&2; fail "slow headers"; }
ok
expect_req 200 GET /metrics
grep -q '^vouch_http_deadline_closes_total{kind="header"} [1-9]' resp || fail "no header deadline counted"
grep -q '^vouch_http_connections_evicted_total [1-9]' resp || fail "no eviction counted"
ok
stop_server

# The same with the default limits under `ulimit -n 256` (one address is
# enough to fill them): the connection limit is lowered to fit, below the
# default per-address limit, and accepting never fails for lack of
# descriptors.
(
	ulimit -n 256
	start_server slow2.log --segments segments.json --header-timeout 1 --threads 1
	grep -q 'connection limit lowered from 10000 to' slow2.log || fail "the limit was not lowered"
	ok
	hostile slow-headers || { tail -n 30 slow2.log >&2; fail "slow headers under ulimit -n 256"; }
	ok
	stop_server
) || exit 1

# Item 2: 40 bodies of 8 MiB announced, 6 MiB sent, a 16 MiB budget.  Memory
# is judged outside ASan (which keeps freed memory in quarantine).
start_server bodies.log --segments segments.json --max-body-memory 16777216 --body-timeout 2 \
	--max-connections 1000 --threads 2
ldd_out=$(ldd "$VOUCH" 2>/dev/null || true)
max_kb=49152
[[ "$ldd_out" == *libasan* ]] && max_kb=0
hostile half-bodies "$PID" "$max_kb" || { tail -n 30 bodies.log >&2; fail "half-sent bodies"; }
ok
expect_req 200 GET /metrics
grep -q '^vouch_http_connections_refused_total{reason="body_memory"} [1-9]' resp ||
	fail "no body_memory refusal counted"
grep -q '^vouch_http_deadline_closes_total{kind="body"} [1-9]' resp || fail "no body deadline counted"
grep -q '^vouch_http_body_memory_bytes 0$' resp || fail "body memory is not given back"
ok
stop_server

# A client that does not read its answers is closed at the write deadline.
start_server reader.log --segments segments.json --write-timeout 1 --threads 2
hostile slow-reader || { tail -n 30 reader.log >&2; fail "slow reader"; }
ok
expect_req 200 GET /metrics
grep -q '^vouch_http_deadline_closes_total{kind="write"} 1$' resp || fail "no write deadline counted"
answered=$(grep -c 'path=/openapi.json status=200' reader.log || true)
[ "$answered" -lt 4000 ] || fail "all 4000 requests of a client that reads nothing were answered"
echo "answered $answered of 4000 pipelined requests before the write deadline"
ok
stop_server

# Item 3: a fixed key (test hook) so the test can find a colliding pair.
key=000102030405060708090a0b0c0d0e0f
VOUCH_TEST_ADDR_KEY=$key start_server collide.log --segments segments.json --max-per-ip 2 \
	--max-connections 100 --threads 2
grep -q 'VOUCH_TEST_ADDR_KEY is set' collide.log || fail "the test key is not announced"
hostile collide "$key" || { tail -n 30 collide.log >&2; fail "colliding addresses"; }
ok
stop_server
finish
