/*
 * server.c - `vouch serve`: the server's lifecycle and its signals, see
 * server.h.
 *
 * It builds what the parts share (the live table, the per-worker metrics,
 * the router's settings), starts the table source (api/source.h) and the
 * HTTP engine (api/engine.h), then waits on a signalfd: SIGHUP refreshes the
 * source, SIGTERM or SIGINT drains the engine and stops everything.  It
 * knows neither which HTTP engine answers nor where the tables come from.
 */
#include "core/common.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/engine.h"
#include "api/metrics.h"
#include "api/server.h"
#include "api/source.h"
#include "api/upgrade.h"
#include "core/jsonmem.h"
#include "core/limits.h"
#include "core/log.h"

void vo_server_config_default(struct vo_server_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->host = "0.0.0.0";
	cfg->port = 8000;
	cfg->api.max_body = VO_API_BODY_DEFAULT;
	cfg->api.max_batch_body = VO_API_BATCH_BODY_DEFAULT;
	cfg->max_header = VO_API_HEADER_DEFAULT;
	cfg->timeout_s = VO_API_TIMEOUT_DEFAULT;
	cfg->header_timeout_s = VO_API_HEADER_TIMEOUT_DEFAULT;
	cfg->body_timeout_s = VO_API_BODY_TIMEOUT_DEFAULT;
	cfg->write_timeout_s = VO_API_WRITE_TIMEOUT_DEFAULT;
	cfg->max_body_memory = VO_API_BODY_MEMORY_DEFAULT;
	cfg->max_connections = VO_API_CONNECTIONS_DEFAULT;
	cfg->max_per_ip = VO_API_PER_IP_DEFAULT;
	cfg->watch = true;
	cfg->prefix = "vouch";
	cfg->keep = VO_FILE_KEEP_DEFAULT;
	cfg->ready_fd = -1;
}

static size_t available_cores(void)
{
	cpu_set_t set;

	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		return (size_t)CPU_COUNT(&set);
	return 1;
}

/* The main thread's state: signals, a binary upgrade under way, readiness to tell. */
struct supervisor {
	struct vo_table_source *src;
	struct vo_engine *engine;
	struct vo_live *live;
	char *const *argv;    /* for an upgrade; NULL: none */
	const sigset_t *mask; /* the signal mask to give a new binary */
	int sfd;	      /* the signalfd */
	int ready_fd;	      /* tell the predecessor once ready; -1: done or none */
	struct vo_upgrade up; /* the new binary, while upgrading */
	bool upgrading;
	bool up_reaped; /* its exit status is in up_status */
	int up_status;
	int64_t up_deadline_us; /* vo_mono_us() by which it must be ready */
};

/* "exited 2" or "killed by signal 9", for a log line. */
static void describe_status(int status, char *out, size_t n)
{
	if (WIFEXITED(status))
		snprintf(out, n, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, n, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, n, "stopped");
}

/* Reaps every child that exited (SIGCHLD), keeping the upgrade's status. */
static void reap(struct supervisor *sv)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (sv->upgrading && pid == sv->up.pid) {
			sv->up_reaped = true;
			sv->up_status = status;
		}
	}
}

static void upgrade_start(struct supervisor *sv)
{
	struct vo_error err;
	const int *fds;
	size_t n;

	if (sv->upgrading) {
		vo_log(VO_LOG_WARN, "SIGUSR2: an upgrade is already under way (pid %d)",
		       (int)sv->up.pid);
		return;
	}
	if (!sv->argv) {
		vo_log(VO_LOG_WARN, "SIGUSR2: no binary upgrade in this process");
		return;
	}
	n = vo_engine_listeners(sv->engine, &fds);
	vo_error_clear(&err);
	if (vo_upgrade_spawn(sv->argv, sv->mask, fds, n, &sv->up, &err)) {
		vo_log(VO_LOG_ERROR, "upgrade: cannot start the new binary: %s; still serving",
		       err.msg);
		return;
	}
	sv->upgrading = true;
	sv->up_reaped = false;
	sv->up_deadline_us = vo_mono_us() + (int64_t)VO_API_UPGRADE_SECONDS * 1000000;
	vo_log(VO_LOG_NOTICE, "upgrade: started %s as pid %d with %zu listening %s", sv->up.binary,
	       (int)sv->up.pid, n, n == 1 ? "socket" : "sockets");
}

/* Ends an upgrade that failed: this process keeps serving. */
static void upgrade_failed(struct supervisor *sv, const char *why)
{
	char how[64];

	if (!sv->up_reaped && waitpid(sv->up.pid, &sv->up_status, 0) == sv->up.pid)
		sv->up_reaped = true;
	if (sv->up_reaped)
		describe_status(sv->up_status, how, sizeof(how));
	else
		snprintf(how, sizeof(how), "is gone");
	vo_log(VO_LOG_ERROR, "upgrade: %s (pid %d) %s %s; still serving", sv->up.binary,
	       (int)sv->up.pid, how, why);
	close(sv->up.ready_rd);
	sv->up.ready_rd = -1;
	sv->upgrading = false;
}

/*
 * The readiness pipe of the new binary is readable: true when it is ready
 * (this process drains now), false when it exited first.
 */
static bool upgrade_answered(struct supervisor *sv)
{
	char c;
	ssize_t n;

	do {
		n = read(sv->up.ready_rd, &c, 1);
	} while (n < 0 && errno == EINTR);
	if (n == 1) {
		vo_log(VO_LOG_NOTICE, "upgrade: pid %d is ready and accepting; draining",
		       (int)sv->up.pid);
		vo_engine_share(sv->engine);
		close(sv->up.ready_rd);
		sv->up.ready_rd = -1;
		sv->upgrading = false;
		return true;
	}
	upgrade_failed(sv, "before it was ready");
	return false;
}

static void upgrade_timeout(struct supervisor *sv)
{
	vo_log(VO_LOG_ERROR, "upgrade: pid %d not ready within %d s; stopping it", (int)sv->up.pid,
	       VO_API_UPGRADE_SECONDS);
	kill(sv->up.pid, SIGTERM);
	close(sv->up.ready_rd);
	sv->up.ready_rd = -1;
	sv->upgrading = false;
}

/* Once listening with a table loaded, a new binary tells its predecessor. */
static void tell_ready(struct supervisor *sv)
{
	struct vo_live_stats st;

	vo_live_stats(sv->live, &st);
	if (!st.loaded_at_us)
		return;
	vo_upgrade_ready(sv->ready_fd);
	sv->ready_fd = -1;
	vo_upgrade_notify_ready();
	vo_log(VO_LOG_NOTICE, "upgrade: ready; the old process (pid %d) drains now",
	       (int)getppid());
}

/* The main thread's loop: signals until SIGTERM, SIGINT or a completed upgrade. */
static void supervise(struct supervisor *sv)
{
	for (;;) {
		struct pollfd pfd[2] = { { sv->sfd, POLLIN, 0 }, { -1, POLLIN, 0 } };
		struct signalfd_siginfo si;
		int timeout = -1;
		ssize_t n;
		int np;

		if (sv->ready_fd >= 0) {
			tell_ready(sv);
			if (sv->ready_fd >= 0)
				timeout = 20; /* until the first table is in */
		}
		if (sv->upgrading) {
			int64_t left = (sv->up_deadline_us - vo_mono_us() + 999) / 1000;

			if (left <= 0) {
				upgrade_timeout(sv);
				continue;
			}
			pfd[1].fd = sv->up.ready_rd;
			if (timeout < 0 || left < timeout)
				timeout = (int)VO_MIN(left, (int64_t)INT32_MAX);
		}
		np = poll(pfd, 2, timeout);
		if (np < 0 && errno == EINTR)
			continue;
		if (np < 0) {
			vo_log(VO_LOG_ERROR, "poll: %s; stopping", strerror(errno));
			break;
		}
		if (pfd[1].revents && sv->upgrading && upgrade_answered(sv))
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		n = read(sv->sfd, &si, sizeof(si));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n != (ssize_t)sizeof(si)) {
			vo_log(VO_LOG_ERROR, "signalfd: %s; stopping",
			       n < 0 ? strerror(errno) : "short read");
			break;
		}
		if (si.ssi_signo == SIGHUP) {
			vo_table_source_refresh(sv->src);
			continue;
		}
		if (si.ssi_signo == SIGCHLD) {
			reap(sv);
			continue;
		}
		if (si.ssi_signo == SIGUSR2) {
			upgrade_start(sv);
			continue;
		}
		if (sv->upgrading) {
			vo_log(VO_LOG_WARN, "upgrade: stopping pid %d, not ready yet",
			       (int)sv->up.pid);
			kill(sv->up.pid, SIGTERM);
			close(sv->up.ready_rd);
			sv->up.ready_rd = -1;
			sv->upgrading = false;
		}
		vo_log(VO_LOG_NOTICE, "%s: draining",
		       si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
		vo_upgrade_notify_stopping();
		break;
	}
}

int vo_server_run(const struct vo_server_config *cfg, struct vo_error *err)
{
	struct vo_table_source *src = NULL;
	struct vo_engine *engine = NULL;
	struct vo_engine_config ecfg;
	struct vo_metrics_set stats;
	struct vo_live *live = NULL;
	struct vo_api api;
	sigset_t mask, old;
	unsigned port = 0;
	size_t nworkers;
	struct supervisor sv;
	size_t handed = cfg->nlisten; /* sockets still ours to close */
	int sfd = -1;
	int rc;

	memset(&stats, 0, sizeof(stats));
	nworkers = cfg->threads ? cfg->threads : available_cores();
	nworkers = VO_MIN(nworkers, (size_t)VO_API_THREADS_MAX);

	/* Signals are taken by the main thread's signalfd; every thread inherits the mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &mask, &old);
	signal(SIGPIPE, SIG_IGN);

	rc = vo_live_create(&live, nworkers);
	if (!rc)
		rc = vo_metrics_set_init(&stats, nworkers);
	if (rc) {
		vo_error_nomem(err);
		goto out;
	}
	vo_jsonmem_install();
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		rc = vo_error_set(err, VO_EIO, "signalfd: %s", strerror(errno));
		goto out;
	}
	/* A file is loaded before listening; Redis as soon as it answers (503 until then). */
	rc = vo_table_source_start(cfg->segments, cfg->prefix, cfg->watch, cfg->keep, live, &src,
				   err);
	if (rc)
		goto out;
	memset(&api, 0, sizeof(api));
	api.cfg = cfg->api;
	api.live = live;
	api.stats = &stats;
	api.started_us = vo_now_us();
	api.source = vo_table_source_name(src);
	api.src = src;

	memset(&ecfg, 0, sizeof(ecfg));
	ecfg.host = cfg->host;
	ecfg.port = cfg->port;
	ecfg.nworkers = nworkers;
	ecfg.max_header = cfg->max_header;
	ecfg.timeout_s = cfg->timeout_s;
	ecfg.header_timeout_s = cfg->header_timeout_s;
	ecfg.body_timeout_s = cfg->body_timeout_s;
	ecfg.write_timeout_s = cfg->write_timeout_s;
	ecfg.max_body_memory = cfg->max_body_memory;
	ecfg.max_connections = cfg->max_connections;
	ecfg.max_per_ip = cfg->max_per_ip;
	ecfg.listen_fds = cfg->listen_fds;
	ecfg.nlisten = cfg->nlisten;
	/* The engine owns the sockets from here on, even when it fails. */
	handed = 0;
	rc = vo_engine_start(&ecfg, &api, &stats, &engine, &port, err);
	if (rc)
		goto out;
	if (cfg->nlisten) {
		char where[INET6_ADDRSTRLEN + 16];

		vo_upgrade_sockname(cfg->listen_fds[0], where, sizeof(where));
		vo_log(VO_LOG_NOTICE,
		       "listening on %s (%zu threads, segments %s; %zu listening %s handed in)",
		       where, nworkers, api.source, cfg->nlisten,
		       cfg->nlisten == 1 ? "socket" : "sockets");
	} else {
		vo_log(VO_LOG_NOTICE, "listening on %s:%u (%zu threads, segments %s)", cfg->host,
		       port, nworkers, api.source);
	}
	memset(&sv, 0, sizeof(sv));
	sv.src = src;
	sv.engine = engine;
	sv.live = live;
	sv.argv = cfg->argv;
	sv.mask = &old;
	sv.sfd = sfd;
	sv.ready_fd = cfg->ready_fd;
	sv.up.ready_rd = -1;
	/* A new binary is ready once it has a table too (tell_ready()). */
	if (sv.ready_fd < 0)
		vo_upgrade_notify_ready();
	supervise(&sv);
	if (sv.ready_fd >= 0)
		close(sv.ready_fd); /* never ready: the predecessor keeps serving */
	vo_engine_stop(engine, (int64_t)VO_API_DRAIN_SECONDS * 1000000);
	vo_log(VO_LOG_NOTICE, "stopped");
out:
	for (size_t i = 0; i < handed; i++)
		close(cfg->listen_fds[i]); /* not taken by an engine */
	if (sfd >= 0)
		close(sfd);
	vo_table_source_stop(src);
	vo_live_destroy(live);
	vo_metrics_set_release(&stats);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
