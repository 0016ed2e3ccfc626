#!/usr/bin/env bash
# docker-compose.yml and Dockerfile without Docker (no engine runs here):
# docker-compose.yml is parsed (tests/tools/compose.mjs), each service's
# command line is run against the local build and a local redis-server, with
# the image's paths mapped to folders of this test, the service names to
# 127.0.0.1 and the published port to a free one; the health checks are run
# the same way.  `processing` must build and publish, `api` must become
# healthy and serve what was published, and a second `processing` run must
# reach it.  The Dockerfile's Debian package names must exist, and the
# runtime stage must provide every library the binary links.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.sh"
command -v redis-server >/dev/null || { echo "skip: redis-server not installed"; exit 77; }
command -v redis-cli >/dev/null || { echo "skip: redis-cli not installed"; exit 77; }

ROOT=$(cd "$VOUCH_TESTS/.." && pwd)
W=$VOUCH_WORK
REDIS_PID=
API_PID=
cleanup() {
	[ -z "$API_PID" ] || kill -KILL "$API_PID" 2>/dev/null || true
	[ -z "$REDIS_PID" ] || kill -KILL "$REDIS_PID" 2>/dev/null || true
}
trap cleanup EXIT

RPORT=$(free_port)
APORT=$(free_port)

# ---- the Dockerfile -------------------------------------------------------

# stage_packages N: the packages `apt-get install` names in the Nth FROM stage.
stage_packages() {
	awk -v n="$1" '/^FROM /{stage++} stage==n' "$ROOT/Dockerfile" |
		sed -e ':a' -e '/\\$/N; s/\\\n//; ta' |
		grep -o 'apt-get install [^&]*' | sed 's/apt-get install//' | tr ' \t' '\n\n' |
		grep -v '^-' | grep -v '^$' || true
}
build_pkgs=$(stage_packages 1)
run_pkgs=$(stage_packages 2)
[ -n "$build_pkgs" ] && [ -n "$run_pkgs" ] || fail "no apt-get install found in the Dockerfile's stages"
if ! apt-cache show $build_pkgs $run_pkgs >/dev/null 2>&1; then
	for p in $build_pkgs $run_pkgs; do
		apt-cache show "$p" >/dev/null 2>&1 || fail "Dockerfile: no Debian package '$p' here"
	done
fi
ok
echo "$run_pkgs" | grep -q -- '-dev$' && fail "the runtime stage installs -dev packages: $run_pkgs"
ok
# Each library the binary needs directly comes from a runtime package (or libc).
ldcache=$(ldconfig -p)
for lib in $(readelf -d "$VOUCH" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	case $lib in
	libasan.so.* | libubsan.so.* | libtsan.so.* | liblsan.so.*) continue ;; # a sanitizer build's own
	esac
	# awk reads the whole cache (no early exit), so ldconfig never dies of
	# SIGPIPE, which pipefail would turn into a silent test failure.
	path=$(awk -v l="$lib" '$1 == l && /x86-64|x32|64/ && !p {p = $NF} END {print p}' <<<"$ldcache")
	[ -n "$path" ] || path=$(awk -v l="$lib" '$1 == l && !p {p = $NF} END {print p}' <<<"$ldcache")
	[ -n "$path" ] || fail "cannot find $lib"
	# dpkg knows a file by the path its package ships (/lib or /usr/lib: usrmerge).
	pkg=$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1) || true
	[ -n "$pkg" ] || pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1) || true
	[ -n "$pkg" ] || fail "no Debian package ships $lib ($path)"
	case " libc6 libgcc-s1 $(echo $run_pkgs) " in
	*" $pkg "*) ;;
	*) fail "$lib comes from $pkg, which the Dockerfile's runtime stage does not install" ;;
	esac
done
ok
user=$(awk '/^FROM /{stage++} stage==2 && /^USER /{print $2}' "$ROOT/Dockerfile" | tail -n 1)
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "the runtime stage runs as '${user:-root}'"
ok
grep -q 'COPY --from=build /src/build/vouch /usr/local/bin/vouch' "$ROOT/Dockerfile" || fail "vouch is not copied to /usr/local/bin"
ok

# ---- docker-compose.yml -> local command lines ----------------------------

mkdir -p cmd
node --input-type=module -e '
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
const { parseCompose } = await import(pathToFileURL(process.argv[1]));
const [, , file, W, VOUCH, RPORT, APORT] = process.argv;
const doc = parseCompose(readFileSync(file, "utf8"));
const names = Object.keys(doc.services);
const want = ["api", "processing", "redis"];
if (names.sort().join() !== want.join()) throw new Error(`services: ${names}`);
const api = doc.services.api;
if (!(api.ports || []).includes("8000:8000")) throw new Error("api does not publish port 8000");
if (!api.healthcheck || !/\/health/.test(api.healthcheck.test.join(" "))) throw new Error("api has no /health check");
for (const s of ["api", "processing"]) {
	if (doc.services[s].build !== ".") throw new Error(`${s} is not built from the Dockerfile`);
	if (!doc.services[s].depends_on || !doc.services[s].depends_on.redis) throw new Error(`${s} does not depend on redis`);
}
for (const [name, svc] of Object.entries(doc.services)) {
	const mounts = (svc.volumes || []).map((v) => {
		const [host, cont] = v.split(":");
		const local = host.startsWith("./") ? join(W, host) : join(W, "volumes", host);
		mkdirSync(local, { recursive: true });
		return { cont, local };
	});
	const ports = {};
	for (const p of svc.ports || []) ports[String(p).split(":")[1]] = APORT;
	const hosts = new RegExp(`//(${names.join("|")}):(\\d+)`, "g");
	const map = (a) => {
		for (const m of mounts)
			if (a === m.cont || a.startsWith(m.cont + "/")) a = m.local + a.slice(m.cont.length);
		a = a.replace(hosts, (all, h) => (h === "redis" ? `//127.0.0.1:${RPORT}` : all));
		a = a.replace(/\/dev\/tcp\/127\.0\.0\.1\/(\d+)/, (all, p) => (ports[p] ? `/dev/tcp/127.0.0.1/${ports[p]}` : all));
		return ports[a] ?? a;
	};
	const program = (argv) => {
		const [p, ...rest] = argv;
		if (p === "vouch") return [VOUCH, ...rest];
		if (p === "redis-cli") return ["redis-cli", "-p", RPORT, ...rest];
		if (p === "redis-server")
			/* The redis image listens on 6379 in /data: made explicit, on loopback. */
			return ["redis-server", ...rest, "--port", RPORT, "--bind", "127.0.0.1",
				"--dir", mounts[0].local, "--daemonize", "no"];
		return argv;
	};
	const cmd = program(svc.command.map(map));
	writeFileSync(join(W, "cmd", `${name}.args`), cmd.map((a) => a + "\0").join(""));
	const env = Object.entries(svc.environment || {}).map(([k, v]) => `${k}=${v}\0`);
	writeFileSync(join(W, "cmd", `${name}.env`), env.join(""));
	if (svc.healthcheck) {
		const [kind, ...test] = svc.healthcheck.test;
		if (kind !== "CMD") throw new Error(`${name}: healthcheck is not CMD`);
		writeFileSync(join(W, "cmd", `${name}.health`), program(test.map(map)).map((a) => a + "\0").join(""));
	}
	console.log(`${name}: ${cmd.join(" ")}`);
}
' "$VOUCH_TESTS/tools/compose.mjs" "$ROOT/docker-compose.yml" "$W" "$VOUCH" "$RPORT" "$APORT" ||
	fail "docker-compose.yml does not parse or lacks what the deployment needs"
ok

load() { mapfile -d '' "$1" <"cmd/$2"; }
load redis_cmd redis.args
load redis_health redis.health
load proc_cmd processing.args
load proc_env processing.env
load api_cmd api.args
load api_env api.env
load api_health api.health

# healthy NAME CMD...: the health check passes within 10 s.
healthy() {
	local name=$1 i
	shift
	for i in $(seq 100); do
		"$@" >/dev/null 2>&1 && { ok; return 0; }
		sleep 0.1
	done
	fail "$name never became healthy ($*)"
}

# ---- docker-compose up redis, processing, api -----------------------------

"${redis_cmd[@]}" >redis.log 2>&1 &
REDIS_PID=$!
healthy redis "${redis_health[@]}"

"$VOUCH" gen --rows 4000 --seed 7 -o data/raw/orders.csv 2>/dev/null
expect_exit 0 env "${proc_env[@]}" "${proc_cmd[@]}"
expect_stderr "published $W/data/segments/segments.json as version"
v1=$(json a.version data/segments/segments.json)
[ "$(redis-cli -p "$RPORT" get vouch:segments:current)" = "$v1" ] || fail "processing did not publish $v1"
ok

# The image sets VOUCH_HOST=0.0.0.0 inside its own network; here, loopback.
env "${api_env[@]}" VOUCH_HOST=127.0.0.1 "${api_cmd[@]}" 2>api.log &
API_PID=$!
healthy api "${api_health[@]}"
BASE="http://127.0.0.1:$APORT"
wait_ready "$v1"
expect_req 200 GET /segments
expect_resp 'a.source' "redis://127.0.0.1:$RPORT/0/vouch:segments:current"

# A new run of processing reaches the running api.
"$VOUCH" gen --rows 4000 --seed 8 -o data/raw/orders.csv 2>/dev/null
expect_exit 0 env "${proc_env[@]}" "${proc_cmd[@]}"
v2=$(json a.version data/segments/segments.json)
[ "$v1" != "$v2" ] || fail "the second run should give another version"
wait_ready "$v2"
"${api_health[@]}" || fail "the api health check fails"
ok

PID=$API_PID stop_server
API_PID=
finish
