#!/usr/bin/env bash
# The Dockerfile, .dockerignore and docker-compose.yml without a Docker engine
# (t0720 builds and runs them for real, as root), so that a developer without
# root still learns when they break:
#   - the image's build context lets in what the build stage copies and
#     nothing else, and those files alone configure with the Dockerfile's
#     CMake flags: no tests/, no fuzz/, no cmocka;
#   - the runtime stage creates group vouch with gid 10001 before the user
#     (neither --system) and runs as 10001:10001 through the entrypoint;
#   - docker-compose.yml (parsed by tests/tools/compose.mjs) has the three
#     services wired as README's Containers section says.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$VOUCH_TESTS/.." && pwd)
DF=$ROOT/Dockerfile

# ---- the build context ------------------------------------------------------

# The build stage's COPY sources (not --from).
mapfile -t sources < <(awk '/^FROM /{stage++} stage==1 && /^COPY / && !/--from/ {for (i = 2; i < NF; i++) print $i}' "$DF")
[ ${#sources[@]} -gt 0 ] || fail "no COPY in the Dockerfile's build stage"
mapfile -t runtime_sources < <(awk '/^FROM /{stage++} stage==2 && /^COPY / && !/--from/ {for (i = 2; i < NF; i++) print $i}' "$DF")
ok
# .dockerignore: everything out, then exactly those in.
mapfile -t rules < <(grep -v '^#' "$ROOT/.dockerignore" | grep -v '^$')
[ "${rules[0]}" = '*' ] || fail ".dockerignore does not start with '*' (everything out)"
allowed=$(printf '%s\n' "${rules[@]:1}" | sed 's,^!,,; s,/$,,' | sort)
wanted=$(printf '%s\n' "${sources[@]}" "${runtime_sources[@]}" | sed 's,^\./,,; s,/$,,' | sort -u)
[ "$allowed" = "$wanted" ] || fail ".dockerignore lets in '$(tr '\n' ' ' <<<"$allowed")', the Dockerfile copies '$(tr '\n' ' ' <<<"$wanted")'"
ok

# Those files alone configure with the Dockerfile's flags.
mkdir ctx
for s in "${sources[@]}"; do
	(cd "$ROOT" && tar -c "$s") | tar -x -C ctx
done
[ ! -e ctx/tests ] && [ ! -e ctx/fuzz ] || fail "the image's build copies tests/ or fuzz/"
flags=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$DF" | grep -o 'cmake -S \. -B build [^&]*' | sed 's/cmake -S \. -B build//')
case $flags in *-DVOUCH_BUILD_TESTS=OFF*) ;; *) fail "the Dockerfile's cmake line lacks -DVOUCH_BUILD_TESTS=OFF: $flags" ;; esac
# shellcheck disable=SC2086 # the flags are words
expect_exit 0 cmake -S ctx -B ctx/build $flags
grep -qi cmocka ctx/build/CMakeCache.txt && fail "the image's build looks for cmocka"
cmake --build ctx/build --target help >targets.txt
grep -Eq 'test_|replay_|vouch_testutil' targets.txt && fail "the image's build has test targets: $(grep -E 'test_|replay_' targets.txt | head -n 3)"
grep -q '\.\.\. vouch$' targets.txt || fail "no vouch target in the image's build"
ok

# ---- the runtime stage -------------------------------------------------------
stage2=$(awk '/^FROM /{stage++} stage==2' "$DF" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta')
g=$(grep -bo 'groupadd --gid 10001 vouch' <<<"$stage2" | cut -d: -f1)
u=$(grep -bo 'useradd --uid 10001 --gid 10001 ' <<<"$stage2" | cut -d: -f1)
[ -n "$g" ] && [ -n "$u" ] && [ "$g" -lt "$u" ] || fail "the runtime stage does not create group 10001, then user 10001 in it"
grep -Eq -- '(useradd|groupadd)[^&]*--system' <<<"$stage2" && fail "uid/gid 10001 with --system (above SYS_UID_MAX)"
ok
[ "$(grep '^USER ' <<<"$stage2" | tail -n 1)" = "USER 10001:10001" ] || fail "the runtime stage does not run as USER 10001:10001"
grep -q '^ENTRYPOINT \["docker-entrypoint.sh"\]' <<<"$stage2" || fail "no entrypoint"
grep -q 'COPY --from=build /src/build/vouch /usr/local/bin/vouch' <<<"$stage2" || fail "vouch is not copied to /usr/local/bin"
sh -n "$ROOT/scripts/docker-entrypoint.sh" || fail "scripts/docker-entrypoint.sh does not parse"
[ -x "$ROOT/scripts/docker-entrypoint.sh" ] || fail "scripts/docker-entrypoint.sh is not executable"
ok

# ---- docker-compose.yml --------------------------------------------------------
node --input-type=module -e '
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const { parseCompose } = await import(pathToFileURL(process.argv[1]));
const doc = parseCompose(readFileSync(process.argv[2], "utf8"));
const want = (what, got, exp) => {
	if (JSON.stringify(got) !== JSON.stringify(exp))
		throw new Error(`${what} is ${JSON.stringify(got)}, expected ${JSON.stringify(exp)}`);
};
want("services", Object.keys(doc.services).sort(), ["api", "processing", "redis"]);
const { redis, processing, api } = doc.services;
want("redis image", redis.image, "redis:7.0-bookworm");
want("redis health check", redis.healthcheck.test, ["CMD", "redis-cli", "ping"]);
if (!(redis.volumes || []).includes("redis-data:/data")) throw new Error("redis keeps no volume");
for (const [name, s] of Object.entries({ processing, api })) {
	want(`${name} image`, s.image, "vouch:latest");
	want(`${name} build`, s.build, { context: ".", network: "host" });
	want(`${name} depends_on`, s.depends_on, { redis: { condition: "service_healthy" } });
	want(`${name} prefix`, s.environment, { VOUCH_PREFIX: "vouch" });
}
want("processing user", processing.user, "root");
want("processing volumes", processing.volumes,
	["${VOUCH_RAW_DIR:-./data/raw}:/data/raw:ro", "${VOUCH_SEGMENTS_DIR:-./data/segments}:/data/segments"]);
want("processing command", processing.command,
	["vouch", "process", "-i", "/data/raw", "-o", "/data/segments/segments.json", "--publish", "redis://redis:6379"]);
want("api command", api.command.slice(0, 4), ["vouch", "serve", "--segments", "redis://redis:6379"]);
want("api ports", api.ports, ["${VOUCH_API_PORT:-8000}:8000"]);
if (!/\/health/.test(api.healthcheck.test.join(" "))) throw new Error("the api health check does not ask /health");
want("volumes", Object.keys(doc.volumes), ["redis-data"]);
' "$VOUCH_TESTS/tools/compose.mjs" "$ROOT/docker-compose.yml" >/dev/null 2>compose.err ||
	{ cat compose.err >&2; fail "docker-compose.yml"; }
ok
finish
