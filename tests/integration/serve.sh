# Helpers of the API tests (sourced after lib.sh): start the real `vouch
# serve` on 127.0.0.1 with an ephemeral port, send requests with curl, stop
# it with SIGTERM.  Every server a test starts is killed when the test exits.

command -v curl >/dev/null || { echo "skip: curl not installed"; exit 77; }

SERVER_PIDS=()
cleanup_servers() {
	local p
	for p in "${SERVER_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
}
trap cleanup_servers EXIT

# start_server LOG ARGS...: starts `vouch serve ARGS` and waits for its
# "listening on" line; sets PID and PORT (and BASE, the URL prefix).
start_server() {
	local log=$1 i
	shift
	: >"$log"
	"$VOUCH" serve --host 127.0.0.1 --port 0 "$@" 2>"$log" &
	PID=$!
	SERVER_PIDS+=("$PID")
	for i in $(seq 200); do
		PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$log" | head -n 1)
		if [ -n "$PORT" ]; then
			BASE="http://127.0.0.1:$PORT"
			return 0
		fi
		kill -0 "$PID" 2>/dev/null || { cat "$log" >&2; fail "vouch serve exited at start"; }
		sleep 0.05
	done
	cat "$log" >&2
	fail "vouch serve did not start listening"
}

# stop_server: SIGTERM, then the server must exit 0 within 15 s.
stop_server() {
	local pid=$PID rc=0 i
	kill -TERM "$pid"
	for i in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "vouch serve did not stop within 15 s of SIGTERM"
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "vouch serve exited $rc after SIGTERM"
	ok
}

# req METHOD PATH [BODY [CURL-ARGS...]]: one request; the status goes to
# STATUS, the body to ./resp and the headers to ./resp.headers.  Every
# exchange is also kept in ./exchanges (index.tsv and N.req, N.resp,
# N.headers), which finish checks against the OpenAPI document.
EXCHANGES=$VOUCH_WORK/exchanges
EXCHANGE_N=0
req() {
	local method=$1 path=$2 body="" has_body=0 ctype="" a
	shift 2
	local args=(-s -o resp -D resp.headers -w '%{http_code}' -X "$method" --max-time 10)
	if [ $# -gt 0 ]; then
		body=$1
		has_body=1
		args+=(--data-binary "$body")
		shift
		# JSON unless the caller sets its own Content-Type.
		case " $* " in
		*Content-Type*) ;;
		*)
			args+=(-H 'Content-Type: application/json')
			ctype=application/json
			;;
		esac
	fi
	for a in "$@"; do
		case $a in Content-Type:*) ctype=$(echo "${a#Content-Type:}" | sed 's/^ *//') ;; esac
	done
	rm -f resp resp.headers
	STATUS=$(curl "${args[@]}" "$@" "$BASE$path") || true
	record_exchange "$method" "$path" "$has_body" "$body" "$ctype"
}

# record_exchange METHOD PATH HAS-BODY BODY CONTENT-TYPE: keeps the last exchange.
record_exchange() {
	local n
	EXCHANGE_N=$((EXCHANGE_N + 1))
	n=$EXCHANGE_N
	mkdir -p "$EXCHANGES"
	if [ "$3" = 1 ]; then
		case $4 in
		@*) cp "${4#@}" "$EXCHANGES/$n.req" ;;
		*) printf '%s' "$4" >"$EXCHANGES/$n.req" ;;
		esac
	fi
	[ -f resp ] && cp resp "$EXCHANGES/$n.resp"
	[ -f resp.headers ] && cp resp.headers "$EXCHANGES/$n.headers"
	printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$1" "$2" "$5" "$STATUS" >>"$EXCHANGES/index.tsv"
}

# check_contract: every exchange req() made is one the OpenAPI document
# allows (tests/tools/contract.mjs: documented status and media type, the
# answer valid against its schema, every request the server took valid
# against the request schema).  Needs the npm test tools (make npm).
check_contract() {
	[ -s "$EXCHANGES/index.tsv" ] || return 0
	if [ -z "${VOUCH_NODE_DIR:-}" ] || [ ! -d "$VOUCH_NODE_DIR/node_modules/ajv" ] ||
		[ ! -d "$VOUCH_NODE_DIR/node_modules/@apidevtools/swagger-parser" ]; then
		echo "note: the OpenAPI check of this test's $EXCHANGE_N exchanges needs 'make npm' (make test runs it)"
		return 0
	fi
	mkdir -p "$VOUCH_WORK/contract"
	cp "$VOUCH_TESTS/tools/contract.mjs" "$VOUCH_WORK/contract/"
	ln -sfn "$VOUCH_NODE_DIR/node_modules" "$VOUCH_WORK/contract/node_modules"
	node "$VOUCH_WORK/contract/contract.mjs" --openapi "$VOUCH_TESTS/../src/api/openapi.json" \
		--exchanges "$EXCHANGES" || fail "exchanges that the OpenAPI document does not allow (above)"
	ok
}

finish() {
	check_contract
	echo "$checks passed, 0 failed"
}

# expect_req WANT-STATUS METHOD PATH [BODY [CURL-ARGS...]]
expect_req() {
	local want=$1
	shift
	req "$@"
	[ "$STATUS" = "$want" ] || { cat resp >&2; echo >&2; fail "$1 $2 ${3:-} answered $STATUS, expected $want"; }
	ok
}

# expect_resp EXPR WANT: a JavaScript expression over the last answer's JSON (as `a`).
expect_resp() {
	expect_json "$1" resp "$2"
}

# expect_body TEXT: the last answer's body is exactly TEXT.
expect_body() {
	local got
	got=$(cat resp)
	[ "$got" = "$1" ] || fail "body is '$got', expected '$1'"
	ok
}

# expect_header NAME VALUE: the last answer had the header (case-insensitive name).
expect_header() {
	grep -qi "^$1: $2"$'\r'"\?$" resp.headers || { cat resp.headers >&2; fail "no header '$1: $2'"; }
	ok
}

# wait_ready VERSION: polls GET /ready until it answers 200 with VERSION (10 s).
wait_ready() {
	local i
	for i in $(seq 200); do
		req GET /ready
		if [ "$STATUS" = 200 ] && [ "$(json 'a.version' resp)" = "$1" ]; then
			ok
			return 0
		fi
		sleep 0.05
	done
	fail "/ready never answered version $1 (last: $STATUS $(cat resp))"
}
