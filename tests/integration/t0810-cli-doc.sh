#!/usr/bin/env bash
# docs/CLI.md is what scripts/cli-doc.sh makes of the binary's --help texts:
# a changed help text needs `scripts/cli-doc.sh build/vouch > docs/CLI.md`.
. "$(dirname "$0")/lib.sh"

root=$VOUCH_TESTS/..
bash "$root/scripts/cli-doc.sh" "$VOUCH" >CLI.md || fail "scripts/cli-doc.sh failed"
ok
if ! diff -u "$root/docs/CLI.md" CLI.md >CLI.diff; then
	cat CLI.diff >&2
	fail "docs/CLI.md differs from --help: run 'scripts/cli-doc.sh build/vouch > docs/CLI.md'"
fi
ok
# Every command of `vouch --help` has its section, and each section ends its block.
for c in $("$VOUCH" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'); do
	grep -qx "## vouch $c" CLI.md || fail "no section for '$c'"
	ok
done
[ $(($(grep -c '^```$' CLI.md) % 2)) -eq 0 ] || fail "unbalanced code blocks"
ok
finish
