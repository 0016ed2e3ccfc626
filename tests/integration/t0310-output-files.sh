#!/usr/bin/env bash
# Where outputs go (issue 14, items 11 and 12).  Every command that writes a
# file atomically (process, clean, segment, report, gen) refuses a FIFO, a
# device and a folder as -o (exit 2, the thing left as it was: a rename over
# /dev/null as root would replace the system's /dev/null), follows a symbolic
# link (the target is replaced, the link stays), and refuses, before reading
# anything, an output that is one of its inputs (by any path, symlink or hard
# link) or that lies in an input folder under a name the folder's listing reads.
. "$(dirname "$0")/lib.sh"

cat >a.csv <<'CSV'
timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount
2018-06-15 10:00:00,Peru,2018-05-01,2017-01-01,2,100
2018-06-15 11:00:00,Peru,2018-05-01,2017-01-01,3,200
CSV
cp a.csv a.orig
"$VOUCH" process -q -i a.csv -o seg.json || fail "a plain run failed"
cp seg.json seg.orig
"$VOUCH" clean -q -i a.csv -o clean.csv || fail "a plain clean failed"

# refused WHAT: exit 2 with one line naming WHAT.
refused() {
	[ "$(wc -l <stderr)" -eq 1 ] || { cat stderr >&2; fail "the message is not one line"; }
	expect_stderr "refusing to write"
	expect_stderr "$1"
}

# no_temp: no temporary file was left in the folder.
no_temp() {
	if ls -A . | grep -q '\.tmp\.'; then
		fail "a temporary file was left: $(ls -A . | grep '\.tmp\.')"
	fi
	ok
}

# 1. A FIFO: refused at once by every writing command (a blocking open would hang
#    here), and still a FIFO afterwards.
mkfifo out.fifo
expect_exit 2 "$VOUCH" process -q -i a.csv -o out.fifo
refused "'out.fifo': it is a FIFO"
expect_exit 2 "$VOUCH" clean -q -i a.csv -o out.fifo
refused "it is a FIFO"
expect_exit 2 "$VOUCH" segment -q -i clean.csv -o out.fifo
refused "it is a FIFO"
expect_exit 2 "$VOUCH" report -i seg.json -o out.fifo
refused "it is a FIFO"
expect_exit 2 "$VOUCH" gen --rows 10 -o out.fifo
refused "it is a FIFO"
[ -p out.fifo ] || fail "out.fifo is no longer a FIFO"
ok
# ... also reached through a symbolic link (the link is followed, then refused).
ln -s out.fifo fifo-link
expect_exit 2 "$VOUCH" process -q -i a.csv -o fifo-link
refused "it is a FIFO"
[ -L fifo-link ] && [ -p out.fifo ] || fail "the link or the FIFO changed"
ok
no_temp

# 2. A folder.
mkdir adir
expect_exit 2 "$VOUCH" process -q -i a.csv -o adir
refused "it is a folder"
[ -d adir ] && [ -z "$(ls -A adir)" ] || fail "adir changed"
ok

# 3. A device: a character device made here (never /dev/null itself), as root.
if [ "$(id -u)" -eq 0 ] && mknod null-dev c 1 3 2>/dev/null; then
	for cmd in "process -q -i a.csv" "clean -q -i a.csv" "segment -q -i clean.csv" \
		"report -i seg.json" "gen --rows 10"; do
		# shellcheck disable=SC2086
		expect_exit 2 "$VOUCH" $cmd -o null-dev
		refused "'null-dev': it is a character device"
		[ -c null-dev ] || fail "$cmd replaced the device with a regular file"
		ok
	done
	ln -s null-dev dev-link
	expect_exit 2 "$VOUCH" process -q -i a.csv -o dev-link
	refused "it is a character device"
	[ -c null-dev ] && [ -L dev-link ] || fail "the device or its link changed"
	ok
	no_temp
else
	echo "note: not root or mknod refused: the device case runs as root ('sudo ctest -R t0310')"
fi
# /dev/null itself only where it cannot be replaced anyway: as an unprivileged user.
as_user=()
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	chmod 755 "$VOUCH_WORK"
	chmod 644 a.csv
fi
if [ "$(id -u)" -ne 0 ] || [ ${#as_user[@]} -gt 0 ]; then
	expect_exit 2 "${as_user[@]}" "$VOUCH" process -q -i "$VOUCH_WORK/a.csv" -o /dev/null
	refused "'/dev/null': it is a character device"
fi
[ -c /dev/null ] || fail "/dev/null is not a character device any more"
ok

# 4. Symbolic links are followed: the target is replaced, the link stays.
mkdir -p real
cp seg.orig real/target.json
ln -s real/target.json link.json
ln -s link.json link2.json # a chain
rm -f seg.json
head -n 2 a.csv >b.csv
expect_exit 0 "$VOUCH" process -q -i b.csv -o link2.json
[ -L link.json ] && [ -L link2.json ] || fail "a link was replaced"
[ "$(readlink link.json)" = real/target.json ] || fail "link.json points elsewhere"
expect_json 'a.quality.rows_read' real/target.json 1
[ ! -e seg.json ] || fail "wrote next to the link"
# A link to a file that does not exist yet: the file is created where it points.
ln -s real/new.json dangling.json
expect_exit 0 "$VOUCH" gen --rows 10 -o dangling.json
[ -L dangling.json ] && [ -f real/new.json ] || fail "the dangling link's target was not created"
ok
# An absolute link, with report and segment.
ln -s "$VOUCH_WORK/real/report.html" report-link.html
expect_exit 0 "$VOUCH" report -i real/target.json -o report-link.html
[ -L report-link.html ] && grep -q '<html' real/report.html || fail "report did not follow the link"
ln -s real/seg2.json seg2-link.json
expect_exit 0 "$VOUCH" segment -q -i clean.csv -o seg2-link.json
[ -L seg2-link.json ] && [ -f real/seg2.json ] || fail "segment did not follow the link"
ok
# A loop is refused.
ln -s loop-b loop-a
ln -s loop-a loop-b
expect_exit 2 "$VOUCH" process -q -i a.csv -o loop-a
refused "more than 40 symbolic links"
no_temp
(cd real && no_temp)

# 5. The output is an input: refused, the input byte for byte as it was.
cp a.orig data.csv
ln -s data.csv alias.csv
ln data.csv hard.csv
same_input() {
	cmp -s data.csv a.orig || fail "$1: data.csv was overwritten"
	ok
}
expect_exit 2 "$VOUCH" process -q -i data.csv -o data.csv
refused "it is the input 'data.csv'"
same_input "-o the input"
expect_exit 2 "$VOUCH" process -q -i ./data.csv -o "$VOUCH_WORK/data.csv"
refused "it is the input"
same_input "another spelling"
expect_exit 2 "$VOUCH" process -q -i alias.csv -o data.csv
refused "it is the input 'alias.csv'"
same_input "input through a symlink"
expect_exit 2 "$VOUCH" process -q -i data.csv -o alias.csv
refused "it is the input 'data.csv'"
same_input "output through a symlink"
[ -L alias.csv ] || fail "alias.csv is no longer a link"
expect_exit 2 "$VOUCH" process -q -i data.csv -o hard.csv
refused "it is the input"
same_input "a hard link"
expect_exit 2 "$VOUCH" clean -q -i data.csv -o hard.csv
refused "it is the input"
same_input "clean over its input"
# Refused before anything is read: a broken file named first gives no data error.
printf 'not,a,header\n' >broken.csv
expect_exit 2 "$VOUCH" process -q -i broken.csv -i data.csv -o data.csv
refused "nothing was read"
same_input "before reading"
# The other files a command reads: the segments config, clean's metadata, report's input.
cat >cfg.json <<'JSON'
{"segments": [{"name": "s", "field": "total_orders", "buckets": [{"name": "a", "min": 0, "max": 9}]}]}
JSON
cp cfg.json cfg.orig
expect_exit 2 "$VOUCH" process -q -i data.csv --segments-config cfg.json -o cfg.json
refused "it is the input 'cfg.json'"
cmp -s cfg.json cfg.orig || fail "the segments config was overwritten"
cp clean.csv.meta.json meta.orig
expect_exit 2 "$VOUCH" segment -q -i clean.csv -o clean.csv.meta.json
refused "clean.csv.meta.json"
cmp -s clean.csv.meta.json meta.orig || fail "clean's metadata was overwritten"
expect_exit 2 "$VOUCH" segment -q -i clean.csv -o clean.csv
refused "it is the input"
cp real/target.json tgt.orig
expect_exit 2 "$VOUCH" report -i real/target.json -o link.json
refused "it is the input"
cmp -s real/target.json tgt.orig || fail "report overwrote its input"
ok

# 6. An output in an input folder under a name its listing reads: refused,
#    whether that file exists (it is an input) or not (the next run would read it).
mkdir -p in elsewhere
cp a.orig in/one.csv
cp a.orig in/two.csv
expect_exit 2 "$VOUCH" process -q -i in -o in/two.csv
refused "it is the input 'in/two.csv'"
cmp -s in/two.csv a.orig || fail "in/two.csv was overwritten"
expect_exit 2 "$VOUCH" clean -q -i in/ -o in/cleaned.csv
refused "in the input folder 'in/'"
[ ! -e in/cleaned.csv ] || fail "in/cleaned.csv was written"
ln -s in in-link
expect_exit 2 "$VOUCH" clean -q -i in-link -o in/cleaned.csv.gz
refused "in the input folder 'in-link'"
# Names the listing skips are fine there: the artifact, hidden files, other folders.
expect_exit 0 "$VOUCH" process -q -i in -o in/segments.json
expect_exit 0 "$VOUCH" clean -q -i in -o elsewhere/cleaned.csv
expect_exit 0 "$VOUCH" clean -q -i in -o in/.hidden.csv
[ "$(ls in | tr '\n' ' ')" = "one.csv segments.json two.csv " ] || fail "in/ holds $(ls in)"
ok
cmp -s in/one.csv a.orig && cmp -s in/two.csv a.orig || fail "an input in in/ changed"
ok
no_temp
finish
