/*
 * source_int.h - what a kind of table source implements, private to api/:
 * source.c dispatches the calls of api/source.h through these operations.
 */
#ifndef VO_API_SOURCE_INT_H
#define VO_API_SOURCE_INT_H

#include "core/common.h"

#include "api/source.h"

struct vo_table_source_ops {
	const char *(*name)(const struct vo_table_source *s);
	void (*status)(struct vo_table_source *s, struct vo_source_status *out);
	void (*refresh)(struct vo_table_source *s);
	void (*stop)(struct vo_table_source *s); /* also frees s */
};

/* The first member of every kind of source. */
struct vo_table_source {
	const struct vo_table_source_ops *ops;
};

/* The file source (source_file.c) and the Redis source (source_redis.c). */
int vo__source_file_start(const char *path, bool watch, unsigned keep, struct vo_live *live,
			  struct vo_table_source **out, struct vo_error *err);
int vo__source_redis_start(const char *url, const char *prefix, struct vo_live *live,
			   struct vo_table_source **out, struct vo_error *err);

/* Whether segments names Redis, or any URL (vo_redis_url_parse() says what is wrong with it). */
bool vo__source_is_redis(const char *segments);

#endif
