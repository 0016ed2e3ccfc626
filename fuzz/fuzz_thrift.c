/*
 * fuzz_thrift.c - the Thrift compact-protocol cursor and the Parquet decoders
 * built on it.  The first byte picks what reads the rest:
 *   0: a generic walker that reads every field with the typed readers
 *      (structs recursively, list elements, ints, bools, doubles, binaries)
 *      and skips the rest with vo_thrift_skip_value();
 *   1: a PageHeader (as before every page);
 *   2: a RowGroup (with six schema columns);
 * (both through ingest/parquet/parquet_fuzz.h)
 *   3: vo_thrift_skip_value() of a struct.
 */
#include "core/common.h"

#include "ingest/parquet/parquet_fuzz.h"
#include "ingest/parquet/thrift.h"
#include "fuzz.h"

static int walk_value(struct vo_thrift *t, int type, bool in_container);

static int walk_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	(void)ctx;
	/* Odd ids are skipped unread, even ones read: both paths get used. */
	if (id & 1)
		return VO_THRIFT_SKIP;
	return walk_value(t, type, false);
}

static int walk_value(struct vo_thrift *t, int type, bool in_container)
{
	struct vo_str s;
	int64_t i;
	double d;
	bool b;
	int elem;
	uint32_t count;
	uint32_t k;
	int rc;

	switch (type) {
	case VO_THRIFT_TRUE:
	case VO_THRIFT_FALSE:
		if (in_container)
			return vo_thrift_skip_value(t, type, true);
		return vo_thrift_bool(t, type, &b);
	case VO_THRIFT_I8:
	case VO_THRIFT_I16:
	case VO_THRIFT_I32:
	case VO_THRIFT_I64:
		return vo_thrift_int(t, type, INT64_MIN, INT64_MAX, &i);
	case VO_THRIFT_DOUBLE:
		return vo_thrift_double(t, type, &d);
	case VO_THRIFT_BINARY:
		rc = vo_thrift_binary(t, type, &s);
		if (rc == VO_OK && s.len > vo_thrift_offset(t))
			__builtin_trap();
		return rc;
	case VO_THRIFT_STRUCT:
		return vo_thrift_struct_each(t, type, walk_field, NULL);
	case VO_THRIFT_LIST:
	case VO_THRIFT_SET:
		rc = vo_thrift_list_begin(t, type, &elem, &count);
		if (rc)
			return rc;
		for (k = 0; k < count && rc == VO_OK; k++)
			rc = walk_value(t, elem, true);
		vo_thrift_list_end(t);
		return rc;
	default:
		return vo_thrift_skip_value(t, type, in_container);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vo_thrift t;
	unsigned depth;

	if (size < 1)
		return 0;
	vo_thrift_init(&t, data + 1, size - 1);
	depth = t.depth;
	switch (data[0] & 3) {
	case 0:
		(void)walk_value(&t, VO_THRIFT_STRUCT, false);
		break;
	case 1:
		(void)vo_parquet_fuzz_page_header(&t);
		break;
	case 2:
		(void)vo_parquet_fuzz_row_group(&t);
		break;
	default:
		(void)vo_thrift_skip(&t, VO_THRIFT_STRUCT);
		break;
	}
	/* The cursor never passes its end and always unwinds its nesting. */
	if (t.p > t.end || t.depth != depth)
		__builtin_trap();
	return 0;
}
