/*
 * upgrade.h - listening sockets handed from one process to the next: systemd
 * socket activation, and the binary upgrade of `vouch serve` on SIGUSR2.
 *
 * Both use systemd's protocol (sd_listen_fds(3)): the sockets are
 * descriptors 3, 4, ... 3 + LISTEN_FDS - 1 and LISTEN_PID names the process
 * meant to take them.  A binary upgrade (nginx's model) is a fork and exec of
 * the binary at the server's own path, which may have been replaced by a new
 * version meanwhile, with the same arguments and the listening sockets
 * handed down so; it also gets VOUCH_UPGRADE_READY_FD, the write end of a
 * pipe, and writes one byte there once it is listening and has an artifact
 * loaded.  Only then does the old process stop accepting and drain.  The
 * sockets, and the queue of connections waiting in each, are the same in
 * both processes, so no connection is refused or reset during the
 * hand-over; a new binary that fails to start, or is not ready in time,
 * changes nothing (the old one keeps serving).
 */
#ifndef VO_API_UPGRADE_H
#define VO_API_UPGRADE_H

#include "core/common.h"

#include <signal.h>
#include <sys/types.h>

#include "core/err.h"

/* Listening sockets handed in at most (one per worker thread is the usual). */
#define VO_UPGRADE_FDS_MAX 256

/* What this process was handed (vo_upgrade_inherit()). */
struct vo_inherited {
	int fds[VO_UPGRADE_FDS_MAX]; /* listening TCP sockets, non-blocking, close-on-exec */
	size_t n;		     /* 0: none (bind --host and --port as usual) */
	int ready_fd;		     /* the predecessor's readiness pipe, or -1 */
};

/*
 * Takes the sockets LISTEN_PID and LISTEN_FDS describe (when LISTEN_PID is
 * this process) and VOUCH_UPGRADE_READY_FD, checks that each is a listening
 * stream socket, makes them non-blocking and close-on-exec, and removes the
 * variables from the environment.  Call it before any thread starts.
 * VO_EINVAL with a message naming the variable or descriptor when they are
 * malformed.
 */
int vo_upgrade_inherit(struct vo_inherited *out, struct vo_error *err);

/* Tells the predecessor that this process is ready (one byte) and closes fd. */
void vo_upgrade_ready(int fd);

/* A binary upgrade under way (vo_upgrade_spawn()). */
struct vo_upgrade {
	pid_t pid;	   /* the new process */
	int ready_rd;	   /* its readiness pipe: one byte, or EOF when it exited */
	char binary[4096]; /* what was executed */
};

/*
 * Starts the new binary: argv[0] (a path, or a name looked up in PATH now),
 * with argv, the environment plus LISTEN_PID, LISTEN_FDS and
 * VOUCH_UPGRADE_READY_FD, fds as its descriptors 3, 4, ... and the signal
 * mask mask.  Every other descriptor is closed in the new process.  The
 * caller's fds stay open.  VO_ENOTFOUND when the binary is not found,
 * VO_EIO (fork, pipe), VO_ENOMEM, with a message.
 */
int vo_upgrade_spawn(char *const *argv, const sigset_t *mask, const int *fds, size_t n,
		     struct vo_upgrade *out, struct vo_error *err);

/*
 * Tells the service manager (systemd's sd_notify(3) protocol, when
 * NOTIFY_SOCKET is set; nothing otherwise) that this process is ready and
 * is the main one: "READY=1" and "MAINPID=<pid>", so that after a binary
 * upgrade systemd follows the new process (a unit with Type=notify and
 * NotifyAccess=all).  Best effort: a failure is logged at debug level.
 */
void vo_upgrade_notify_ready(void);

/* Tells the service manager that this process is stopping ("STOPPING=1"). */
void vo_upgrade_notify_stopping(void);

/* "ADDR:PORT" of a listening socket into out (n bytes), "?" when unknown. */
void vo_upgrade_sockname(int fd, char *out, size_t n);

#endif
