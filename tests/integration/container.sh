# Sourced by the container tests (t0720, t0770), after lib.sh: what every test
# on the real Docker engine of ../shared/tools/container-engine.sh needs.

skip() {
	echo "skip: $*"
	exit 77
}
ENGINE=${VOUCH_SHARED:-}/tools/container-engine.sh
engine_started=0

# container_needs TEST COMMAND...: skips (exit 77, naming the command that
# would run it) unless this is a release build run as root beside ../shared,
# with the real data and the commands.
container_needs() {
	local t=$1 c
	shift
	# (readelf's output is read whole: grep -q stopping early would make it die
	# of SIGPIPE, which pipefail turns into a silent false.)
	if grep -Eq 'NEEDED.*lib(a|ub|t|l)san' <<<"$(readelf -d "$VOUCH")"; then
		skip "$VOUCH is a sanitizer build; the image holds the release build, so this test runs in make test's normal pass (cd build && ctest -L container -V)"
	fi
	[ "$(id -u)" = 0 ] || skip "a Docker engine needs root: run 'sudo make test' (or, as root, cd build && ctest -L container -R $t -V)"
	[ -f "$ENGINE" ] || skip "$ENGINE not found: check out vouch beside ../shared, then run 'sudo make test'"
	need_real_data
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "$c not installed: run 'make deps-test' as root"
	done
}

# engine_start: dockerd (started here unless it runs; engine_stop stops only
# what this test started) and docker-compose; the log in engine.log.
engine_start() {
	docker info >/dev/null 2>&1 || engine_started=1
	bash "$ENGINE" >engine.log 2>&1 || { cat engine.log >&2; fail "$ENGINE failed"; }
	command -v docker-compose >/dev/null || fail "$ENGINE did not install docker-compose"
	echo "engine: dockerd $(docker version -f '{{.Server.Version}}'), $(docker-compose version --short);" \
		"$([ "$engine_started" = 1 ] && echo "started by this test" || echo "already running")"
}

engine_stop() {
	[ "$engine_started" = 0 ] || bash "$ENGINE" stop >>engine.log 2>&1
}

# copy_repo SRC DEST: the files git tracks (or would) as they are in the
# working tree, as a fresh clone has them; outside git, the tree without its
# build folders and data.
copy_repo() {
	mkdir -p "$2"
	if git -C "$1" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$1" && git ls-files -z -co --exclude-standard |
			while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
			tar --null -T - -c) | tar -x -C "$2"
	else
		tar -C "$1" --exclude='./build*' --exclude=./.git --exclude=node_modules \
			--exclude='./data/raw/*' --exclude='./data/segments/*' -c . | tar -x -C "$2"
	fi
}

# build_image TAG DIR: docker build --network host (no NAT here), the log in
# build.log; the tag's previous image is removed unless something still uses
# it (its layers shared with the new one stay, as the cache).
build_image() {
	local old new
	old=$(docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true)
	docker build --network host -t "$1" "$2" >build.log 2>&1 || { tail -n 40 build.log >&2; fail "docker build failed"; }
	new=$(docker image inspect -f '{{.Id}}' "$1")
	[ -z "$old" ] || [ "$old" = "$new" ] || docker image rm "$old" >/dev/null 2>&1 || true
}
