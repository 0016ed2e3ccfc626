#!/bin/sh
# The vouch image's entrypoint: runs the command (CMD, or what `docker run` /
# docker-compose.yml give) after one check of the folder it writes to.
#
# The output folder is the one of the command's -o/--output FILE (`vouch
# process`, `clean`, `segment`, `report`, `gen`); commands without one (`vouch
# serve`) skip the check.
#
# - Started as a user other than root (the image's default is vouch, uid
#   10001): the command runs as that user.
# - Started as root (docker-compose.yml's `processing` has `user: root`): the
#   command runs as vouch when vouch can write the output folder; when it
#   cannot, the folder is a bind mount that belongs to someone on the host,
#   and the command runs as the folder's owner (uid and gid), so that the
#   files it writes there belong to that owner on the host and no chmod or
#   chown of the checkout is needed.  A folder owned by root is written as
#   root.
#
# An output folder that this user cannot write stops here with one line that
# says what to do, and exit status 1.
set -eu

# The output file: -o FILE, -oFILE, --output FILE, --output=FILE.
out=
prev=
for a in "$@"; do
	case $prev in -o | --output) out=$a ;; esac
	case $a in
	--output=*) out=${a#--output=} ;;
	-o?*) out=${a#-o} ;;
	esac
	prev=$a
done
dir=
[ -z "$out" ] || dir=$(dirname -- "$out")
# A missing folder is left to the command, which names it in its error.
[ -n "$dir" ] && [ -d "$dir" ] || dir=

started=$(id -u)
uid=$started
gid=$(id -g)
# writable: the folder is writable by uid:gid (the user the command runs as).
writable() {
	if [ "$started" = 0 ]; then
		setpriv --reuid="$uid" --regid="$gid" --clear-groups -- test -w "$dir"
	else
		test -w "$dir"
	fi
}
if [ "$started" = 0 ]; then
	uid=10001
	gid=10001
	if [ -n "$dir" ] && ! writable; then
		uid=$(stat -c %u "$dir")
		gid=$(stat -c %g "$dir")
	fi
	set -- setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
fi

if [ -n "$dir" ] && ! writable; then
	what="make the host folder mounted there writable for uid $uid"
	[ "$started" = 0 ] ||
		what="$what, or start the container as root (docker-compose.yml: user: root; docker run: --user 0) to write as the folder's owner"
	opts=$(awk -v d="$dir" '$2 == d { o = $4 } END { print o }' /proc/mounts)
	case ,$opts, in *,ro,*) what="it is mounted read-only: mount it read-write" ;; esac
	echo "vouch: cannot write the output folder $dir as uid $uid (owner uid $(stat -c %u "$dir"), mode $(stat -c %a "$dir")): $what" >&2
	exit 1
fi
exec "$@"
