#!/usr/bin/env bash
# make lint: the include rule of the layout (scripts/check-includes.sh, with
# its self-test), formatting (.clang-format), clang-tidy (.clang-tidy) and
# cppcheck over every tracked C file.  usage: scripts/lint.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mapfile -t files < <(git ls-files -- '*.c' '*.h' 2>/dev/null || find src tests fuzz bench -name '*.[ch]')
mapfile -t cfiles < <(printf '%s\n' "${files[@]}" | grep '\.c$')
status=0

echo "lint: include rule (docs/ARCHITECTURE.md)"
scripts/check-includes.sh || status=1
scripts/check-includes.sh --self-test || status=1

echo "lint: clang-format (${#files[@]} files)"
clang-format --dry-run --Werror "${files[@]}" || status=1

echo "lint: clang-tidy"
if ! printf '%s\n' "${cfiles[@]}" | xargs -P "$(nproc)" -n 8 clang-tidy -p "$build" --quiet \
	--warnings-as-errors='*' 2> >(grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated' >&2); then
	status=1
fi

echo "lint: cppcheck"
cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	--std=c11 --inline-suppr -I src --suppress=missingIncludeSystem \
	--suppress=unknownMacro "${cfiles[@]}" || status=1

[ $status -eq 0 ] && echo "lint: clean"
exit $status
