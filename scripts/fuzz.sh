#!/usr/bin/env bash
# make fuzz: runs each libFuzzer target of fuzz/ for SECONDS.
# usage: scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]   (default: every fuzz/fuzz_*.c)
#
# Each target reads its seeds (fuzz/corpus/T) and past crashes
# (fuzz/regressions/T), and keeps what it finds in BUILD_DIR/corpus/T, so the
# repository's corpus stays small.  A crash is written to BUILD_DIR/crashes/T/;
# fix it, then copy the file to fuzz/regressions/T/ so that `make test`
# replays it forever.  Prints the executions of each target; exits 1 when a
# target crashed.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: fuzz.sh BUILD_DIR SECONDS [TARGET...]}
seconds=${2:?usage: fuzz.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in fuzz/fuzz_*.c; do
		t=${f#fuzz/fuzz_}
		targets+=("${t%.c}")
	done
fi
status=0
for t in "${targets[@]}"; do
	bin=$build/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "fuzz: $bin missing (make fuzz builds it)" >&2; exit 1; }
	mkdir -p "$build/corpus/$t" "$build/crashes/$t" "$build/logs"
	args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
		-artifact_prefix="$build/crashes/$t/")
	case $t in
	parquet | footer | thrift) args+=(-dict=fuzz/parquet.dict) ;;
	table | voucher | segconfig | roundtrip) args+=(-dict=fuzz/json.dict) ;;
	esac
	dirs=("$build/corpus/$t" "fuzz/corpus/$t")
	[ -d "fuzz/regressions/$t" ] && dirs+=("fuzz/regressions/$t")
	log=$build/logs/$t.log
	echo "fuzz: $t for ${seconds}s (log $log)"
	if ! "$bin" "${args[@]}" "${dirs[@]}" >"$log" 2>&1; then
		echo "fuzz: $t CRASHED; input in $build/crashes/$t/:" >&2
		grep -E '^(==[0-9]+==ERROR|SUMMARY)' "$log" >&2
		status=1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	echo "fuzz: $t: ${execs:-?} executions, corpus $(find "$build/corpus/$t" -type f | wc -l) files"
done
exit $status
