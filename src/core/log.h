/*
 * log.h - one line per event on stderr, for the long-running server.
 *
 * Each line is "TIME LEVEL message" with an RFC 3339 UTC time, written with
 * one write(2) so lines of concurrent threads never interleave.  The level is
 * process-wide and set once at start-up (redis's serverLog, in small).
 */
#ifndef VO_CORE_LOG_H
#define VO_CORE_LOG_H

#include "core/common.h"

enum vo_log_level {
	VO_LOG_DEBUG,
	VO_LOG_INFO,   /* one access line per request */
	VO_LOG_NOTICE, /* start, stop, loads and reloads */
	VO_LOG_WARN,
	VO_LOG_ERROR,
	VO_LOG_OFF,
};

/* Parses "debug", "info", "notice", "warn", "error" or "off". */
bool vo_log_parse_level(const char *s, enum vo_log_level *out);

void vo_log_set_level(enum vo_log_level level);

static inline bool vo_log_enabled(enum vo_log_level level)
{
	extern enum vo_log_level vo_log_threshold;
	return level >= vo_log_threshold;
}

void vo_log(enum vo_log_level level, const char *fmt, ...) VO_PRINTF(2, 3);

/* Current time in microseconds since the epoch (CLOCK_REALTIME). */
int64_t vo_now_us(void);

/* A monotonic clock in microseconds, for durations. */
int64_t vo_mono_us(void);

#endif
