#!/usr/bin/env bash
# GET /openapi.json against the server itself, as schemathesis would check it
# (tests/tools/contract.mjs): the served document is the compiled-in file and
# is valid (swagger-parser, every schema compiled by ajv in strict mode); the
# challenge's example and every example in it validate; then a broad set of
# requests made from the document (each member removed or replaced by values
# of every JSON type and edge, bodies that are not objects, every method on
# every path, trailing slashes, other media types) gets only answers whose
# status, media type and body the document gives, and every request the server
# took validates against its request schema.  Without an artifact (503) first,
# then on the real data (Peru) or, without it, on generated data.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"

[ -n "${VOUCH_NODE_DIR:-}" ] && [ -d "$VOUCH_NODE_DIR/node_modules/ajv" ] &&
	[ -d "$VOUCH_NODE_DIR/node_modules/@apidevtools/swagger-parser" ] ||
	fail "ajv and swagger-parser are not installed: run 'make npm' (or 'make test') first"
mkdir -p tools
cp "$VOUCH_TESTS/tools/contract.mjs" tools/
ln -sfn "$VOUCH_NODE_DIR/node_modules" tools/node_modules
doc="$VOUCH_TESTS/../src/api/openapi.json"

# Every error code the sources can answer is in ErrorDetail.code's enum: the
# code argument of each call that writes vouch's error body.
/usr/bin/python3 - "$VOUCH_TESTS/../src" "$doc" <<'PY' || fail "error codes missing from the OpenAPI document"
import json, re, sys, pathlib
src, doc = pathlib.Path(sys.argv[1]), json.load(open(sys.argv[2]))
enum = set(doc["components"]["schemas"]["ErrorDetail"]["properties"]["code"]["enum"])
calls = re.compile(r'\b(vo_api_fail|vo_api_refuse|send_error|refuse|vo_api_error)\s*\(([^;]*?)"([a-z]+(?:_[a-z]+)*)"', re.S)
found = set()
for f in list((src / "api").glob("*.c")) + list((src / "http").glob("*.c")):
    text = f.read_text()
    for m in calls.finditer(text):
        found.add(m.group(3))
    found.update(re.findall(r'\\"code\\":\\"([a-z_]+)\\"', text))
# unknown_segment is only ever written as FastAPI's {"detail"} (/voucher_amount)
missing = sorted(found - enum - {"unknown_segment"})
print("error codes in the sources:", " ".join(sorted(found)))
if missing:
    print("not in ErrorDetail.code:", " ".join(missing))
    sys.exit(1)
PY
ok

# No artifact yet: the routes that need one answer 503 as documented.
start_server serve-empty.log --segments "$VOUCH_WORK/absent.json" --threads 1 --log-level notice
expect_req 200 GET /openapi.json
cmp -s resp "$doc" || fail "GET /openapi.json is not src/api/openapi.json"
ok
timeout 120 node tools/contract.mjs --openapi "$doc" --base "$BASE" || fail "contract, no artifact"
ok
stop_server

if [ -f "$REAL" ]; then
	expect_exit 0 "$VOUCH" process -q -i "$REAL" -o segments.json
else
	"$VOUCH" gen --rows 20000 -o orders.csv 2>/dev/null
	expect_exit 0 "$VOUCH" process -q -i orders.csv -o segments.json
fi
start_server serve.log --segments segments.json --threads 2 --log-level notice
timeout 120 node tools/contract.mjs --openapi "$doc" --base "$BASE" || fail "contract"
ok
# and once more with a reference date, so that recency lands in every bucket
stop_server
start_server serve-asof.log --segments segments.json --threads 2 --log-level notice --as-of 2018-08-01
timeout 120 node tools/contract.mjs --openapi "$doc" --base "$BASE" || fail "contract, --as-of"
ok
stop_server
finish
