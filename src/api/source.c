/*
 * source.c - the table source of `vouch serve`, see source.h: picks the kind
 * once and forwards to it.
 */
#include "core/common.h"

#include "api/source.h"
#include "api/source_int.h"

int vo_table_source_start(const char *segments, const char *prefix, bool watch, unsigned keep,
			  struct vo_live *live, struct vo_table_source **out, struct vo_error *err)
{
	*out = NULL;
	if (vo__source_is_redis(segments))
		return vo__source_redis_start(segments, prefix, live, out, err);
	return vo__source_file_start(segments, watch, keep, live, out, err);
}

const char *vo_table_source_name(const struct vo_table_source *s)
{
	return s->ops->name(s);
}

void vo_table_source_status(struct vo_table_source *s, struct vo_source_status *out)
{
	memset(out, 0, sizeof(*out));
	s->ops->status(s, out);
}

void vo_table_source_refresh(struct vo_table_source *s)
{
	s->ops->refresh(s);
}

void vo_table_source_stop(struct vo_table_source *s)
{
	if (s)
		s->ops->stop(s);
}
