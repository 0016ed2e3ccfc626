/*
 * upgrade.c - listening sockets handed in (socket activation) and handed on
 * (the binary upgrade on SIGUSR2), see upgrade.h.
 *
 * The new process is started with fork and execve from the supervising
 * thread of a process that runs worker threads, so between the two the
 * child calls only async-signal-safe functions: everything it needs (the
 * path, the environment, a buffer for LISTEN_PID's digits) is prepared
 * before the fork.
 */
#include "core/common.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/upgrade.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/str.h"

extern char **environ;

/* The first descriptor of the sockets, as sd_listen_fds(3) has it. */
#define FIRST_FD 3

static void unset_all(void)
{
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	unsetenv("VOUCH_UPGRADE_READY_FD");
}

static bool is_listening_stream(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) || !v)
		return false;
	len = sizeof(v);
	return !getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) && v == SOCK_STREAM;
}

int vo_upgrade_inherit(struct vo_inherited *out, struct vo_error *err)
{
	const char *pid_s = getenv("LISTEN_PID");
	const char *n_s = getenv("LISTEN_FDS");
	const char *ready_s = getenv("VOUCH_UPGRADE_READY_FD");
	uint64_t pid = 0;
	uint64_t n = 0;
	uint64_t ready = 0;
	int rc = VO_OK;

	out->n = 0;
	out->ready_fd = -1;
	/* Meant for another process (sd_listen_fds(3) ignores them too). */
	if (!pid_s || !n_s || !vo_str_to_u64(vo_str_cstr(pid_s), UINT32_MAX, &pid) ||
	    pid != (uint64_t)getpid())
		goto out;
	if (!vo_str_to_u64(vo_str_cstr(n_s), VO_UPGRADE_FDS_MAX, &n) || n < 1) {
		rc = vo_error_set(err, VO_EINVAL,
				  "LISTEN_FDS must be a number from 1 to %d, not '%s'",
				  VO_UPGRADE_FDS_MAX, n_s);
		goto out;
	}
	for (int i = 0; i < (int)n; i++) {
		int fd = FIRST_FD + i;
		int fl = fcntl(fd, F_GETFL);

		if (fl < 0 || !is_listening_stream(fd)) {
			rc = vo_error_set(
				err, VO_EINVAL,
				"LISTEN_FDS=%s: descriptor %d is not a listening stream socket",
				n_s, fd);
			goto out;
		}
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		out->fds[i] = fd;
	}
	out->n = (size_t)n;
	if (ready_s) {
		struct stat st;

		if (!vo_str_to_u64(vo_str_cstr(ready_s), INT32_MAX, &ready) ||
		    ready < (uint64_t)FIRST_FD + n || fstat((int)ready, &st) ||
		    !S_ISFIFO(st.st_mode)) {
			rc = vo_error_set(err, VO_EINVAL,
					  "VOUCH_UPGRADE_READY_FD must name an open pipe after the "
					  "LISTEN_FDS sockets, not '%s'",
					  ready_s);
			goto out;
		}
		fcntl((int)ready, F_SETFD, FD_CLOEXEC);
		out->ready_fd = (int)ready;
	}
out:
	if (rc) {
		out->n = 0;
		out->ready_fd = -1;
	}
	unset_all();
	return rc;
}

void vo_upgrade_ready(int fd)
{
	char one = '1';

	if (fd < 0)
		return;
	while (write(fd, &one, 1) < 0 && errno == EINTR) {
	}
	close(fd);
}

/* argv0 as execve needs it: a path as given, or a name found in PATH now. */
static int find_binary(const char *argv0, char *out, size_t n, struct vo_error *err)
{
	const char *path = getenv("PATH");

	if (strchr(argv0, '/')) {
		if ((size_t)snprintf(out, n, "%s", argv0) >= n)
			return vo_error_set(err, VO_EINVAL, "the binary's path is too long");
		return VO_OK;
	}
	while (path) {
		const char *end = strchr(path, ':');
		size_t len = end ? (size_t)(end - path) : strlen(path);

		if ((size_t)snprintf(out, n, "%.*s%s%s", (int)len, path, len ? "/" : "", argv0) <
			    n &&
		    !access(out, X_OK))
			return VO_OK;
		path = end ? end + 1 : NULL;
	}
	return vo_error_set(err, VO_ENOTFOUND, "'%s' is not found in PATH", argv0);
}

/* The digits of v into buf (async-signal-safe; buf holds at least 21 bytes). */
static void put_digits(char *buf, uint64_t v)
{
	char tmp[24];
	size_t k = 0;

	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		*buf++ = tmp[--k];
	*buf = '\0';
}

/* In the child, between fork and execve: async-signal-safe calls only. */
static void child(const char *binary, char *const *argv, char **envp, char *pid_digits,
		  const sigset_t *mask, const int *fds, int *tmp, size_t n, int ready_wr)
{
	int high = FIRST_FD + (int)n + 1;

	/* First out of the way (a socket may sit where another must go), then in place. */
	for (size_t i = 0; i < n; i++) {
		tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, high);
		if (tmp[i] < 0)
			_exit(126);
	}
	tmp[n] = fcntl(ready_wr, F_DUPFD_CLOEXEC, high);
	if (tmp[n] < 0)
		_exit(126);
	/* dup2 clears close-on-exec on the copy. */
	for (size_t i = 0; i <= n; i++)
		if (dup2(tmp[i], FIRST_FD + (int)i) < 0)
			_exit(126);
	/* Nothing else goes to the new binary (a Redis connection, say). */
	if (close_range((unsigned)high, ~0U, 0))
		for (size_t i = 0; i <= n; i++)
			close(tmp[i]);
	put_digits(pid_digits, (uint64_t)getpid());
	sigprocmask(SIG_SETMASK, mask, NULL);
	execve(binary, argv, envp);
	_exit(127);
}

int vo_upgrade_spawn(char *const *argv, const sigset_t *mask, const int *fds, size_t n,
		     struct vo_upgrade *out, struct vo_error *err)
{
	char fds_var[32];
	char ready_var[48];
	char pid_var[40] = "LISTEN_PID=";
	size_t nenv = 0;
	size_t k = 0;
	char **envp = NULL;
	int *tmp = NULL;
	int p[2] = { -1, -1 };
	pid_t pid;
	int rc;

	out->pid = -1;
	out->binary[0] = '\0';
	out->ready_rd = -1;
	rc = find_binary(argv[0], out->binary, sizeof(out->binary), err);
	if (rc)
		return rc;
	while (environ && environ[nenv])
		nenv++;
	envp = vo_calloc(nenv + 4, sizeof(*envp));
	tmp = vo_calloc(n + 1, sizeof(*tmp));
	if (!envp || !tmp) {
		rc = vo_error_nomem(err);
		goto out;
	}
	for (size_t i = 0; i < nenv; i++) {
		const char *e = environ[i];

		if (!strncmp(e, "LISTEN_PID=", 11) || !strncmp(e, "LISTEN_FDS=", 11) ||
		    !strncmp(e, "LISTEN_FDNAMES=", 15) ||
		    !strncmp(e, "VOUCH_UPGRADE_READY_FD=", 23))
			continue;
		envp[k++] = environ[i];
	}
	snprintf(fds_var, sizeof(fds_var), "LISTEN_FDS=%zu", n);
	snprintf(ready_var, sizeof(ready_var), "VOUCH_UPGRADE_READY_FD=%zu", (size_t)FIRST_FD + n);
	envp[k++] = fds_var;
	envp[k++] = ready_var;
	envp[k++] = pid_var;
	envp[k] = NULL;
	if (pipe2(p, O_CLOEXEC)) {
		rc = vo_error_set(err, VO_EIO, "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = vo_error_set(err, VO_EIO, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(out->binary, argv, envp, pid_var + 11, mask, fds, tmp, n, p[1]);
	out->pid = pid;
	out->ready_rd = p[0];
	p[0] = -1;
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	vo_free(envp);
	vo_free(tmp);
	return rc;
}

void vo_upgrade_sockname(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN];

	memset(&ss, 0, sizeof(ss));
	snprintf(out, n, "?");
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return;
	if (ss.ss_family == AF_INET &&
	    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host)))
		snprintf(out, n, "%s:%u", host, ntohs(((struct sockaddr_in *)&ss)->sin_port));
	else if (ss.ss_family == AF_INET6 &&
		 inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host)))
		snprintf(out, n, "[%s]:%u", host, ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
}

/* One datagram to $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). */
static void notify(const char *msg)
{
	const char *where = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t len;
	int fd;

	if (!where || !*where)
		return;
	len = strlen(where);
	if ((where[0] != '/' && where[0] != '@') || len >= sizeof(sa.sun_path)) {
		vo_log(VO_LOG_DEBUG, "NOTIFY_SOCKET '%s' is not a socket path", where);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, where, len);
	if (where[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (const struct sockaddr *)&sa,
			     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		vo_log(VO_LOG_DEBUG, "cannot notify %s: %s", where, strerror(errno));
	if (fd >= 0)
		close(fd);
}

void vo_upgrade_notify_ready(void)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%d\n", (int)getpid());
	notify(msg);
}

void vo_upgrade_notify_stopping(void)
{
	notify("STOPPING=1\n");
}
