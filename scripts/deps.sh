#!/usr/bin/env bash
# Installs (as root) or lists (otherwise) the Debian 12 packages vouch needs.
# usage: scripts/deps.sh build|test|bench|fuzz
#   build: compiler, CMake, the libraries of the vouch binary and unicode-data (the
#          case folding table is generated from its CaseFolding.txt at build time)
#   test:  build + cmocka, the linters, curl and wrk (API tests), redis-server and
#          redis-sentinel (the Redis and failover tests), Node.js/npm (DuckDB
#          cross-checks), Chromium, Debian's Python with requests, FastAPI and
#          uvicorn (the proof of concept's clients and FastAPI's error bodies, t0640),
#          and Dask (python3-distributed: contrib/dask/vouch-dask and its test, t0760)
#   bench: build + the benchmark anchors: nginx, FastAPI on Debian's Python, wrk, Node.js,
#          and Dask for the cluster benchmark
#   fuzz:  build + clang and its libFuzzer/sanitizer runtimes (make fuzz)
set -euo pipefail

mode=${1:-build}
pkgs=(gcc libc6-dev make cmake pkg-config libdeflate-dev zlib1g-dev libcjson-dev libssl-dev
	libsnappy-dev libzstd-dev liblz4-dev libbrotli-dev libhiredis-dev unicode-data)
if [ "$mode" = test ]; then
	pkgs+=(libcmocka-dev clang-format clang-tidy cppcheck curl wrk redis-server redis-sentinel chromium
		python3-requests python3-fastapi python3-uvicorn python3-pydantic python3-distributed)
	# Node.js may come from elsewhere (nvm, NodeSource); only ask for Debian's when absent.
	command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
	command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi
if [ "$mode" = bench ]; then
	pkgs+=(wrk nginx python3-fastapi python3-uvicorn python3-pydantic python3-uvloop
		python3-httptools util-linux time python3-distributed)
	command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
	command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi
if [ "$mode" = fuzz ]; then
	pkgs+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	$line
else
	echo "deps: missing Debian packages; run as root:" >&2
	echo "  sudo apt-get update && sudo $line" >&2
	exit 1
fi
