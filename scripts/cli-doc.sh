#!/usr/bin/env bash
# Prints docs/CLI.md, the command-line reference, from the binary's own help
# texts (`vouch --help`, then `vouch COMMAND --help` for each command it
# lists), so the reference cannot drift from --help:
# tests/integration/t0810-cli-doc.sh fails when docs/CLI.md differs.
# usage: scripts/cli-doc.sh PATH/TO/vouch > docs/CLI.md
set -euo pipefail
vouch=${1:?usage: cli-doc.sh PATH/TO/vouch > docs/CLI.md}
top=$("$vouch" --help)
mapfile -t cmds < <(printf '%s\n' "$top" | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ ${#cmds[@]} -gt 0 ] || { echo "cli-doc: no commands in '$vouch --help'" >&2; exit 1; }

echo "# vouch command-line reference"
echo
echo "Generated from the binary's help texts by \`scripts/cli-doc.sh build/vouch > docs/CLI.md\`;"
echo "do not edit by hand (\`tests/integration/t0810-cli-doc.sh\` fails when this file and"
echo "\`--help\` differ). Exit codes of every command: \`0\` done, \`1\` bad input data or a"
echo "failed write, \`2\` usage error. Operating \`vouch serve\`: [OPERATIONS.md](OPERATIONS.md)."
echo
links=()
for c in "${cmds[@]}"; do
	links+=("[$c](#vouch-$c)")
done
echo "Commands: ${links[*]}"
echo
echo "## vouch"
echo
echo '```'
printf '%s\n' "$top"
echo '```'
for c in "${cmds[@]}"; do
	help=$("$vouch" "$c" --help) || { echo "cli-doc: 'vouch $c --help' failed" >&2; exit 1; }
	echo
	echo "## vouch $c"
	echo
	echo '```'
	printf '%s\n' "$help"
	echo '```'
done
