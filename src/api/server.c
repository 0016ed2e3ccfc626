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
#include <sys/signalfd.h>
#include <unistd.h>

#include "api/engine.h"
#include "api/metrics.h"
#include "api/server.h"
#include "api/source.h"
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
}

static size_t available_cores(void)
{
	cpu_set_t set;

	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		return (size_t)CPU_COUNT(&set);
	return 1;
}

/* The main thread's loop: signals until SIGTERM or SIGINT. */
static void supervise(struct vo_table_source *src, int sfd)
{
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si)) {
			vo_log(VO_LOG_ERROR, "signalfd: %s; stopping",
			       n < 0 ? strerror(errno) : "short read");
			break;
		}
		if (si.ssi_signo == SIGHUP) {
			vo_table_source_refresh(src);
			continue;
		}
		vo_log(VO_LOG_NOTICE, "%s: draining",
		       si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
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
	rc = vo_table_source_start(cfg->segments, cfg->prefix, cfg->watch, live, &src, err);
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
	rc = vo_engine_start(&ecfg, &api, &stats, &engine, &port, err);
	if (rc)
		goto out;
	vo_log(VO_LOG_NOTICE, "listening on %s:%u (%zu threads, segments %s)", cfg->host, port,
	       nworkers, api.source);
	supervise(src, sfd);
	vo_engine_stop(engine, (int64_t)VO_API_DRAIN_SECONDS * 1000000);
	vo_log(VO_LOG_NOTICE, "stopped");
out:
	if (sfd >= 0)
		close(sfd);
	vo_table_source_stop(src);
	vo_live_destroy(live);
	vo_metrics_set_release(&stats);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
