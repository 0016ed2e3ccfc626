/*
 * log.c - line-at-a-time logging to stderr.
 */
#include "core/common.h"

#include <unistd.h>

#include "core/log.h"

enum vo_log_level vo_log_threshold = VO_LOG_INFO;

static const char *const level_names[] = { "debug", "info", "notice", "warn", "error", "off" };

bool vo_log_parse_level(const char *s, enum vo_log_level *out)
{
	size_t i;

	for (i = 0; i < VO_ARRAY_SIZE(level_names); i++) {
		if (!strcmp(s, level_names[i])) {
			*out = (enum vo_log_level)i;
			return true;
		}
	}
	if (!strcmp(s, "warning")) {
		*out = VO_LOG_WARN;
		return true;
	}
	return false;
}

void vo_log_set_level(enum vo_log_level level)
{
	vo_log_threshold = level;
}

int64_t vo_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t vo_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void vo_log(enum vo_log_level level, const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t len;
	int n;

	if (!vo_log_enabled(level) || level >= VO_LOG_OFF)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	len = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line + len, sizeof(line) - len, ".%03ldZ %s ", ts.tv_nsec / 1000000,
		     level_names[level]);
	if (n > 0)
		len += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	if (n > 0)
		len = VO_MIN(len + (size_t)n, sizeof(line) - 2);
	/* Control bytes from requests would forge lines: show them as '?'. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) < 0) {
		/* Nowhere left to report it. */
	}
}
