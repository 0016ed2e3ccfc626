#!/usr/bin/env bash
# The include rule of the layout (docs/ARCHITECTURE.md), checked over the
# #include "..." lines of every C file; run by `make lint` (scripts/lint.sh).
#
#   1. A folder of src/ includes only the folders its line below allows
#      (its own always).  So the server (api/) and the dashboard (report/)
#      never include the pipeline's stages (ingest/, clean/, segment/,
#      pipeline/); ingest/ and http/ (the in-house HTTP engine) include only
#      core/; the model stands on core/ alone.  A folder of src/ without a
#      line is an error: a new module states its place here.
#   2. A private header (*_int.h) is included only by files in its own
#      folder: never by another folder, tests or fuzz targets (fuzz targets go
#      through a narrow header such as ingest/parquet/parquet_fuzz.h).
#
# usage: scripts/check-includes.sh [--root DIR]   check DIR (default: the repository)
#        scripts/check-includes.sh --self-test    prove each rule fails when broken
set -euo pipefail

# folder: the folders it may include besides itself ("*": any)
RULES='
core:
model: core
ingest: core
http: core
gen: core
redis: core
clean: core model ingest
segment: core model ingest clean
pipeline: core model ingest clean segment
report: core model
api: core model report redis http
cli: *
'

declare -A RULE=()
while IFS=: read -r folder deps; do
	[ -n "$folder" ] && RULE[$folder]=$deps
done <<<"$RULES"

allowed() { # allowed FOLDER TARGET -> status 0 when FOLDER may include TARGET
	[ "$1" = "$2" ] && return 0
	[ "${RULE[$1]}" = " *" ] && return 0
	case " ${RULE[$1]} " in *" $2 "*) return 0 ;; esac
	return 1
}

check() { # check ROOT -> prints each violation, status 1 if any
	local root=$1 bad=0 dir file line inc rel folder target incdir filedir
	for dir in "$root"/src/*/; do
		folder=${dir%/}
		folder=${folder##*/}
		if [ -z "${RULE[$folder]+set}" ]; then
			echo "src/$folder/: no include rule; add a line for it to scripts/check-includes.sh"
			bad=1
		fi
	done
	while IFS=: read -r file line inc; do
		inc=${inc#*\"}
		inc=${inc%%\"*}
		rel=${file#"$root"/}
		case $inc in */*) ;; *) continue ;; esac # "testutil.h": the file's own folder
		target=${inc%%/*}
		if [[ $rel == src/* ]]; then
			folder=${rel#src/}
			folder=${folder%%/*}
			if [ -n "${RULE[$folder]+set}" ] && ! allowed "$folder" "$target"; then
				echo "$rel:$line: src/$folder/ may not include \"$inc\" (rule: $folder:${RULE[$folder]})"
				bad=1
			fi
		fi
		if [[ $inc == *_int.h ]]; then
			incdir=src/${inc%/*}
			filedir=${rel%/*}
			if [ "$filedir" != "$incdir" ]; then
				echo "$rel:$line: \"$inc\" is private to $incdir/"
				bad=1
			fi
		fi
	done < <(find "$root/src" "$root/tests" "$root/fuzz" -name '*.[ch]' -print0 2>/dev/null |
		xargs -0 grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' | sort)
	return $bad
}

# Copies the sources, breaks one rule at a time and expects each to be caught.
self_test() {
	local repo out n=0
	repo=$(cd "$(dirname "$0")/.." && pwd)
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	cp -r "$repo/src" "$repo/tests" "$repo/fuzz" "$tmp/"
	check "$tmp" >/dev/null || { echo "self-test: the clean tree fails"; check "$tmp"; return 1; }
	expect() { # expect FILE INCLUDE NEEDLE: adding the include to FILE must fail naming NEEDLE
		local f=$tmp/$1
		cp "$f" "$f.orig"
		printf '#include "%s"\n' "$2" >>"$f"
		if out=$(check "$tmp"); then
			echo "self-test: $1 including $2 was not caught"
			return 1
		fi
		grep -qF -- "$3" <<<"$out" || { echo "self-test: $1 + $2: no '$3' in: $out"; return 1; }
		mv "$f.orig" "$f"
		n=$((n + 1))
	}
	expect src/api/router.c ingest/batch.h 'src/api/ may not include "ingest/batch.h"'
	expect src/api/table.h pipeline/pipeline.h 'src/api/ may not include'
	expect src/api/server.c segment/segment.h 'src/api/ may not include'
	expect src/api/voucher.c clean/clean.h 'src/api/ may not include'
	expect src/report/dashboard.c pipeline/pipeline.h 'src/report/ may not include'
	expect src/report/dashboard.h ingest/csv.h 'src/report/ may not include'
	expect src/ingest/csv.c model/value.h 'src/ingest/ may not include'
	expect src/ingest/parquet/page.c clean/clean.h 'src/ingest/ may not include'
	expect src/model/segdef.c segment/segment.h 'src/model/ may not include'
	expect src/core/buf.c model/artifact.h 'src/core/ may not include'
	expect fuzz/fuzz_footer.c ingest/parquet/parquet_int.h 'is private to src/ingest/parquet/'
	expect tests/unit/api/test_router.c api/source_int.h 'is private to src/api/'
	expect src/ingest/reader.c ingest/parquet/parquet_int.h 'is private to src/ingest/parquet/'
	expect src/cli/cmd_process.c model/artifact_int.h 'is private to src/model/'
	# The HTTP engine to come: src/http/ may include core/ only.
	mkdir -p "$tmp/src/http"
	printf '#include "core/common.h"\n#include "core/buf.h"\n' >"$tmp/src/http/http.c"
	check "$tmp" >/dev/null || { echo "self-test: src/http/ including core/ fails"; return 1; }
	expect src/http/http.c api/router.h 'src/http/ may not include "api/router.h"'
	expect src/http/http.c model/artifact.h 'src/http/ may not include'
	# A new folder needs its rule.
	mkdir -p "$tmp/src/newmod"
	printf '#include "core/common.h"\n' >"$tmp/src/newmod/x.c"
	if out=$(check "$tmp"); then
		echo "self-test: src/newmod/ without a rule was not caught"
		return 1
	fi
	grep -qF 'src/newmod/: no include rule' <<<"$out" || { echo "self-test: $out"; return 1; }
	n=$((n + 1))
	echo "include rule self-test: $n violations caught"
}

case ${1:-} in
--self-test)
	self_test
	;;
--root)
	check "$2"
	;;
"")
	check "$(cd "$(dirname "$0")/.." && pwd)"
	;;
*)
	echo "usage: $0 [--root DIR | --self-test]" >&2
	exit 2
	;;
esac
