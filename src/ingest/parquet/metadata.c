/*
 * metadata.c - the Parquet footer and page headers, see parquet_int.h.
 *
 * The footer (FileMetaData) and page headers are Thrift compact structs of
 * parquet.thrift (apache/parquet-format).  Each struct this reader uses is
 * decoded by vo_thrift_struct_each() with a field callback named after it:
 * schema_element_field() for SchemaElement, column_meta_field() for
 * ColumnMetaData, and so on.  A callback reads the fields the reader needs
 * into the struct of parquet_int.h that ctx points to, and returns
 * VO_THRIFT_SKIP for all others.  Required fields are checked once the
 * struct is read, by the decode_*() function that started it.
 *
 * The footer is read whole and kept: the schema is decoded at once, the row
 * groups only located (and their syntax checked), as the reader decodes each
 * one when it reaches it.  Then the schema tree is walked to list its leaves
 * with their definition and repetition levels.  `vouch inspect` (inspect.c)
 * reads the footer through the same functions.
 */
#include "core/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "ingest/parquet/parquet_int.h"
#include "ingest/parquet/thrift.h"

/* ------------------------------------------------------------------------ */
/* Thrift decoders of parquet.thrift structs                                */

static int get_i32(struct vo_thrift *t, int type, int32_t *v)
{
	int64_t x;
	int rc = vo_thrift_int(t, type, INT32_MIN, INT32_MAX, &x);

	if (rc == VO_OK)
		*v = (int32_t)x;
	return rc;
}

/* An enum field: any i32 is kept; users check the values they act on. */
static int get_enum(struct vo_thrift *t, int type, int *v)
{
	int32_t x;
	int rc = get_i32(t, type, &x);

	if (rc == VO_OK)
		*v = x;
	return rc;
}

static int get_i64(struct vo_thrift *t, int type, int64_t *v)
{
	return vo_thrift_int(t, type, INT64_MIN, INT64_MAX, v);
}

/* TimeUnit, a union of empty structs: ctx is an int set to the member's id. */
static int time_unit_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	int *unit = ctx;

	(void)t;
	(void)type;
	*unit = id;
	return VO_THRIFT_SKIP;
}

/* TimestampType and TimeType: {1: isAdjustedToUTC, 2: unit}. */
static int time_type_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct pq_logical_type *lt = ctx;

	if (id == 1)
		return vo_thrift_bool(t, type, &lt->utc);
	if (id == 2)
		return vo_thrift_struct_each(t, type, time_unit_field, &lt->unit);
	return VO_THRIFT_SKIP;
}

/* DecimalType: {1: scale, 2: precision}. */
static int decimal_type_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct pq_logical_type *lt = ctx;

	if (id == 1)
		return get_i32(t, type, &lt->scale);
	if (id == 2)
		return get_i32(t, type, &lt->precision);
	return VO_THRIFT_SKIP;
}

/* IntType: {1: bitWidth, 2: isSigned}. */
static int int_type_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct pq_logical_type *lt = ctx;
	int32_t width = 0;
	int rc;

	if (id == 1) {
		rc = get_i32(t, type, &width);
		lt->bit_width = width;
		return rc;
	}
	if (id == 2)
		return vo_thrift_bool(t, type, &lt->is_signed);
	return VO_THRIFT_SKIP;
}

/* LogicalType, a union: the member's id is the kind (enum pq_logical_kind). */
static int logical_type_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct pq_logical_type *lt = ctx;

	switch (id) {
	case PQ_LT_DECIMAL:
		lt->kind = id;
		return vo_thrift_struct_each(t, type, decimal_type_field, lt);
	case PQ_LT_INTEGER:
		lt->kind = id;
		return vo_thrift_struct_each(t, type, int_type_field, lt);
	case PQ_LT_TIME:
	case PQ_LT_TIMESTAMP:
		lt->kind = id;
		return vo_thrift_struct_each(t, type, time_type_field, lt);
	case PQ_LT_STRING:
	case PQ_LT_MAP:
	case PQ_LT_LIST:
	case PQ_LT_ENUM:
	case PQ_LT_DATE:
	case PQ_LT_UNKNOWN:
	case PQ_LT_JSON:
	case PQ_LT_BSON:
	case PQ_LT_UUID:
	case PQ_LT_FLOAT16:
	case PQ_LT_VARIANT:
	case PQ_LT_GEOMETRY:
	case PQ_LT_GEOGRAPHY:
		/* Members without parameters this reader uses. */
		lt->kind = id;
		return VO_THRIFT_SKIP;
	default:
		lt->kind = PQ_LT_OTHER;
		return VO_THRIFT_SKIP;
	}
}

/* LogicalType; kind PQ_LT_NONE when it names no member. */
static int decode_logical_type(struct vo_thrift *t, int type, struct pq_logical_type *lt)
{
	memset(lt, 0, sizeof(*lt));
	return vo_thrift_struct_each(t, type, logical_type_field, lt);
}

/* A SchemaElement being decoded. */
struct schema_element_dec {
	struct pq_schema_element *se; /* the destination */
	bool has_name;		      /* name (required) was read */
};

/* SchemaElement: all of it but field_id (9). */
static int schema_element_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct schema_element_dec *d = ctx;
	struct pq_schema_element *se = d->se;
	int rc;

	switch (id) {
	case 1:
		rc = get_enum(t, type, &se->type);
		if (rc == VO_OK && (se->type < 0 || se->type >= PQ_TYPE_COUNT))
			rc = vo_thrift_fail(t, "unknown physical type %d", se->type);
		return rc;
	case 2:
		return get_i32(t, type, &se->type_length);
	case 3:
		return get_enum(t, type, &se->repetition);
	case 4:
		d->has_name = true;
		return vo_thrift_binary(t, type, &se->name);
	case 5:
		return get_i32(t, type, &se->num_children);
	case 6:
		return get_enum(t, type, &se->converted);
	case 7:
		return get_i32(t, type, &se->scale);
	case 8:
		return get_i32(t, type, &se->precision);
	case 10:
		return decode_logical_type(t, type, &se->logical);
	default:
		return VO_THRIFT_SKIP;
	}
}

static int decode_schema_element(struct vo_thrift *t, int type, struct pq_schema_element *se)
{
	struct schema_element_dec d = { se, false };
	int rc;

	memset(se, 0, sizeof(*se));
	se->type = -1;
	se->type_length = -1;
	se->repetition = -1;
	se->num_children = -1;
	se->converted = -1;
	se->scale = -1;
	se->precision = -1;
	rc = vo_thrift_struct_each(t, type, schema_element_field, &d);
	if (rc == VO_OK && !d.has_name)
		rc = vo_thrift_fail(t, "schema element without a name");
	return rc;
}

/* ColumnMetaData.encodings: the first PQ_ENCODINGS_KEPT, and their count. */
static int decode_encodings(struct vo_thrift *t, int type, struct pq_column_meta *cm)
{
	uint32_t n;
	uint32_t i;
	int etype;
	int e;
	int rc;

	rc = vo_thrift_list_begin(t, type, &etype, &n);
	if (rc)
		return rc;
	for (i = 0; i < n && rc == VO_OK; i++) {
		rc = get_enum(t, etype, &e);
		if (rc == VO_OK && i < PQ_ENCODINGS_KEPT)
			cm->encodings[i] = (uint8_t)(e >= 0 && e < 255 ? e : 255);
	}
	cm->nencodings = n;
	vo_thrift_list_end(t);
	return rc;
}

/* ColumnMetaData.path_in_schema: its last element, and the count. */
static int decode_path(struct vo_thrift *t, int type, struct pq_column_meta *cm)
{
	uint32_t n;
	uint32_t i;
	int etype;
	int rc;

	rc = vo_thrift_list_begin(t, type, &etype, &n);
	if (rc)
		return rc;
	for (i = 0; i < n && rc == VO_OK; i++)
		rc = vo_thrift_binary(t, etype, &cm->path_last);
	cm->npath = n;
	vo_thrift_list_end(t);
	return rc;
}

/* ColumnMetaData: the fields that locate and describe the pages. */
static int column_meta_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct pq_column_meta *cm = ctx;

	switch (id) {
	case 1:
		cm->seen |= PQ_SEEN_TYPE;
		return get_enum(t, type, &cm->type);
	case 2:
		return decode_encodings(t, type, cm);
	case 3:
		return decode_path(t, type, cm);
	case 4:
		cm->seen |= PQ_SEEN_CODEC;
		return get_enum(t, type, &cm->codec);
	case 5:
		cm->seen |= PQ_SEEN_NUM_VALUES;
		return get_i64(t, type, &cm->num_values);
	case 6:
		cm->seen |= PQ_SEEN_UNCOMPRESSED_SIZE;
		return get_i64(t, type, &cm->total_uncompressed_size);
	case 7:
		cm->seen |= PQ_SEEN_COMPRESSED_SIZE;
		return get_i64(t, type, &cm->total_compressed_size);
	case 9:
		cm->seen |= PQ_SEEN_DATA_OFFSET;
		return get_i64(t, type, &cm->data_page_offset);
	case 10:
		return get_i64(t, type, &cm->index_page_offset);
	case 11:
		return get_i64(t, type, &cm->dictionary_page_offset);
	default:
		return VO_THRIFT_SKIP;
	}
}

/* ColumnMetaData; the reader checks cm->seen for the required fields it uses. */
static int decode_column_meta(struct vo_thrift *t, int type, struct pq_column_meta *cm)
{
	memset(cm, 0, sizeof(*cm));
	cm->index_page_offset = -1;
	cm->dictionary_page_offset = -1;
	return vo_thrift_struct_each(t, type, column_meta_field, cm);
}

/*
 * ColumnChunk: meta_data, and the fields that make a chunk unreadable here
 * (file_path; crypto_metadata and encrypted_column_metadata).
 */
static int column_chunk_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct pq_column_chunk *cc = ctx;

	switch (id) {
	case 1:
		cc->has_file_path = true;
		return VO_THRIFT_SKIP;
	case 3:
		cc->has_meta = true;
		return decode_column_meta(t, type, &cc->meta);
	case 8:
	case 9:
		cc->encrypted = true;
		return VO_THRIFT_SKIP;
	default:
		return VO_THRIFT_SKIP;
	}
}

static int decode_column_chunk(struct vo_thrift *t, int type, struct pq_column_chunk *cc)
{
	memset(cc, 0, sizeof(*cc));
	return vo_thrift_struct_each(t, type, column_chunk_field, cc);
}

/* A RowGroup being decoded (see pq_row_group_decode()). */
struct row_group_dec {
	struct pq_row_group *rg; /* the destination */
	const int *slot_of_leaf; /* where each column chunk goes, or NULL */
	size_t nleaves;		 /* entries in slot_of_leaf (the schema's leaves) */
	size_t nslots;		 /* entries in rg->chunks */
	bool has_rows;		 /* num_rows (required) was read */
	bool has_columns;	 /* columns (required) was read */
};

/* RowGroup.columns: each chunk is decoded into its slot, or skipped. */
static int decode_column_chunks(struct vo_thrift *t, int type, struct row_group_dec *d)
{
	uint32_t n;
	uint32_t i;
	int etype;
	int slot;
	int rc;

	rc = vo_thrift_list_begin(t, type, &etype, &n);
	if (rc)
		return rc;
	for (i = 0; i < n && rc == VO_OK; i++) {
		if (i >= d->nleaves)
			slot = -1;
		else if (d->slot_of_leaf)
			slot = d->slot_of_leaf[i];
		else
			slot = (int)i;
		if (slot >= 0 && (size_t)slot < d->nslots)
			rc = decode_column_chunk(t, etype, &d->rg->chunks[slot]);
		else
			rc = vo_thrift_skip_value(t, etype, true);
	}
	vo_thrift_list_end(t);
	d->rg->ncolumns = n;
	d->has_columns = true;
	return rc;
}

/* RowGroup: columns, total_byte_size, num_rows. */
static int row_group_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct row_group_dec *d = ctx;

	switch (id) {
	case 1:
		return decode_column_chunks(t, type, d);
	case 2:
		return get_i64(t, type, &d->rg->total_byte_size);
	case 3:
		d->has_rows = true;
		return get_i64(t, type, &d->rg->num_rows);
	default:
		return VO_THRIFT_SKIP;
	}
}

int pq_row_group_decode(struct vo_thrift *t, int type, struct pq_row_group *rg,
			const int *slot_of_leaf, size_t nleaves, size_t nslots)
{
	struct row_group_dec d = { rg, slot_of_leaf, nleaves, nslots, false, false };
	int rc;

	memset(rg->chunks, 0, nslots * sizeof(*rg->chunks));
	rg->num_rows = 0;
	rg->total_byte_size = -1;
	rg->ncolumns = 0;
	rc = vo_thrift_struct_each(t, type, row_group_field, &d);
	if (rc == VO_OK && (!d.has_rows || !d.has_columns))
		rc = vo_thrift_fail(t, "row group without %s", d.has_rows ? "columns" : "num_rows");
	if (rc == VO_OK && rg->num_rows < 0)
		rc = vo_thrift_fail(t, "row group with %" PRId64 " rows", rg->num_rows);
	return rc;
}

/* FileMetaData.schema: every element, into a new array. */
static int decode_schema(struct vo_thrift *t, int type, struct pq_file_meta *m)
{
	uint32_t n;
	uint32_t i;
	int etype;
	int rc;

	if (m->schema)
		return vo_thrift_fail(t, "two schema lists");
	rc = vo_thrift_list_begin(t, type, &etype, &n);
	if (rc)
		return rc;
	if (n > VO_PARQUET_SCHEMA_MAX) {
		vo_thrift_fail(t, "schema of %u elements (limit %d)", n, VO_PARQUET_SCHEMA_MAX);
		rc = VO_ELIMIT;
		goto out;
	}
	m->schema = vo_calloc(n ? n : 1, sizeof(*m->schema));
	if (!m->schema) {
		rc = VO_ENOMEM;
		goto out;
	}
	for (i = 0; i < n && rc == VO_OK; i++)
		rc = decode_schema_element(t, etype, &m->schema[i]);
	m->nschema = n;
out:
	vo_thrift_list_end(t);
	return rc;
}

/* Records where the row groups are, checking their syntax by skipping them. */
static int locate_row_groups(struct vo_thrift *t, int type, struct pq_file_meta *m)
{
	uint32_t n;
	uint32_t i;
	int etype;
	int rc;

	rc = vo_thrift_list_begin(t, type, &etype, &n);
	if (rc)
		return rc;
	if (n > VO_PARQUET_ROW_GROUPS_MAX) {
		vo_thrift_fail(t, "%u row groups (limit %d)", n, VO_PARQUET_ROW_GROUPS_MAX);
		rc = VO_ELIMIT;
		goto out;
	}
	m->nrow_groups = n;
	m->row_groups_at = vo_thrift_offset(t);
	m->row_groups_type = etype;
	for (i = 0; i < n && rc == VO_OK; i++)
		rc = vo_thrift_skip_value(t, etype, true);
out:
	vo_thrift_list_end(t);
	return rc;
}

/* FileMetaData being decoded. */
struct file_meta_dec {
	struct pq_file_meta *m; /* the destination */
	bool has_rows;		/* num_rows (required) was read */
	bool has_groups;	/* row_groups (required) was read */
};

/* FileMetaData: what the reader uses; encryption_algorithm only flags the file. */
static int file_meta_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct file_meta_dec *d = ctx;
	struct pq_file_meta *m = d->m;

	switch (id) {
	case 1:
		return get_i32(t, type, &m->version);
	case 2:
		return decode_schema(t, type, m);
	case 3:
		d->has_rows = true;
		return get_i64(t, type, &m->num_rows);
	case 4:
		d->has_groups = true;
		return locate_row_groups(t, type, m);
	case 6:
		return vo_thrift_binary(t, type, &m->created_by);
	case 8:
		m->encrypted = true;
		return VO_THRIFT_SKIP;
	default:
		return VO_THRIFT_SKIP;
	}
}

static int decode_file_meta(struct vo_thrift *t, struct pq_file_meta *m)
{
	struct file_meta_dec d = { m, false, false };
	int rc;

	rc = vo_thrift_struct_each(t, VO_THRIFT_STRUCT, file_meta_field, &d);
	if (rc)
		return rc;
	if (!m->schema || m->nschema == 0)
		return vo_thrift_fail(t, "footer without a schema");
	if (!d.has_rows || m->num_rows < 0)
		return vo_thrift_fail(t, "footer without a valid num_rows");
	if (!d.has_groups)
		return vo_thrift_fail(t, "footer without row groups");
	return VO_OK;
}

/* DataPageHeader: the value count and the three encodings. */
static int data_page_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct pq_data_page_header *h = ctx;

	switch (id) {
	case 1:
		return get_i32(t, type, &h->num_values);
	case 2:
		return get_enum(t, type, &h->encoding);
	case 3:
		return get_enum(t, type, &h->def_encoding);
	case 4:
		return get_enum(t, type, &h->rep_encoding);
	default:
		return VO_THRIFT_SKIP;
	}
}

/* DictionaryPageHeader: the entry count and their encoding. */
static int dict_page_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct pq_dict_page_header *h = ctx;

	if (id == 1)
		return get_i32(t, type, &h->num_values);
	if (id == 2)
		return get_enum(t, type, &h->encoding);
	return VO_THRIFT_SKIP;
}

/* DataPageHeaderV2: counts, encoding, level lengths and is_compressed. */
static int data_page_v2_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct pq_data_page_header_v2 *h = ctx;

	switch (id) {
	case 1:
		return get_i32(t, type, &h->num_values);
	case 2:
		return get_i32(t, type, &h->num_nulls);
	case 3:
		return get_i32(t, type, &h->num_rows);
	case 4:
		return get_enum(t, type, &h->encoding);
	case 5:
		return get_i32(t, type, &h->def_len);
	case 6:
		return get_i32(t, type, &h->rep_len);
	case 7:
		return vo_thrift_bool(t, type, &h->is_compressed);
	default:
		return VO_THRIFT_SKIP;
	}
}

/* A PageHeader being decoded. */
struct page_header_dec {
	struct pq_page_header *ph; /* the destination */
	uint32_t seen;		   /* required fields read: 1 type, 2 and 4 the sizes */
};

/* PageHeader: type, sizes, and the header of its page type. */
static int page_header_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct page_header_dec *d = ctx;
	struct pq_page_header *ph = d->ph;

	switch (id) {
	case 1:
		d->seen |= 1;
		return get_enum(t, type, &ph->type);
	case 2:
		d->seen |= 2;
		return get_i32(t, type, &ph->uncompressed_size);
	case 3:
		d->seen |= 4;
		return get_i32(t, type, &ph->compressed_size);
	case 5:
		ph->has_data = true;
		ph->data.def_encoding = PQ_ENC_RLE;
		ph->data.rep_encoding = PQ_ENC_RLE;
		return vo_thrift_struct_each(t, type, data_page_field, &ph->data);
	case 7:
		ph->has_dict = true;
		ph->dict.encoding = PQ_ENC_PLAIN;
		return vo_thrift_struct_each(t, type, dict_page_field, &ph->dict);
	case 8:
		ph->has_v2 = true;
		return vo_thrift_struct_each(t, type, data_page_v2_field, &ph->v2);
	default:
		return VO_THRIFT_SKIP;
	}
}

int pq_page_header_decode(struct vo_thrift *t, struct pq_page_header *ph)
{
	struct page_header_dec d = { ph, 0 };
	int rc;

	memset(ph, 0, sizeof(*ph));
	ph->type = -1;
	ph->v2.is_compressed = true;
	rc = vo_thrift_struct_each(t, VO_THRIFT_STRUCT, page_header_field, &d);
	if (rc)
		return rc;
	if (d.seen != 7)
		return vo_thrift_fail(t, "page header without type or sizes");
	if (ph->uncompressed_size < 0 || ph->compressed_size < 0)
		return vo_thrift_fail(t, "page header with a negative size");
	return VO_OK;
}

/* ------------------------------------------------------------------------ */
/* The footer                                                               */

int pq_open_file(const char *path, int *fd, uint64_t *size, struct vo_error *err)
{
	struct stat st;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		if (errno == ENOENT)
			return vo_error_at(err, VO_ENOTFOUND, path, 0, NULL, "no such file");
		return vo_error_at(err, VO_EIO, path, 0, NULL, "cannot open: %s", strerror(errno));
	}
	if (fstat(*fd, &st) != 0)
		return vo_error_at(err, VO_EIO, path, 0, NULL, "cannot stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return vo_error_at(err, VO_EIO, path, 0, NULL, "not a regular file");
	*size = (uint64_t)st.st_size;
	return VO_OK;
}

/* Reads exactly len bytes at off; a short read means the file shrank. */
int pq_read_at(int fd, const char *path, uint64_t off, void *buf, size_t len, struct vo_error *err)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len) {
		if (off > (uint64_t)INT64_MAX)
			return vo_error_at(err, VO_EIO, path, 0, NULL,
					   "offset %" PRIu64 " too large", off);
		n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vo_error_at(err, VO_EIO, path, 0, NULL,
					   "cannot read %zu bytes at offset %" PRIu64 ": %s", len,
					   off, strerror(errno));
		if (n == 0)
			return vo_error_at(err, VO_EIO, path, 0, NULL,
					   "unexpected end of file at offset %" PRIu64
					   " (was the file truncated while reading?)",
					   off);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return VO_OK;
}

struct walk_frame {
	int32_t left; /* children still to visit */
	int def;      /* definition level of the group */
	int rep;      /* repetition level of the group */
};

/*
 * Lists the schema's leaves depth-first, with their levels, and sets every
 * element's depth; fails unless the elements form exactly one tree.
 */
static int build_leaves(struct pq_file_meta *m, const char *path, struct vo_error *err)
{
	struct walk_frame *stack = NULL;
	size_t depth = 0;
	size_t i = 1;
	struct pq_schema_element *se;
	struct walk_frame *top;
	int def;
	int rep;
	int rc = VO_OK;

	if (!m->schema || !m->nschema)
		return vo_error_at(err, VO_EFORMAT, path, 0, NULL, "corrupt footer: no schema");
	if (!pq_is_group(&m->schema[0])) {
		rc = vo_error_at(err, VO_EFORMAT, path, 0, NULL,
				 "corrupt footer: the schema root is not a group");
		goto out;
	}
	stack = vo_calloc(m->nschema, sizeof(*stack));
	m->leaves = vo_calloc(m->nschema, sizeof(*m->leaves));
	if (!stack || !m->leaves) {
		rc = vo_error_at(err, VO_ENOMEM, path, 0, NULL, "out of memory reading the schema");
		goto out;
	}
	stack[0].left = VO_MAX(m->schema[0].num_children, 0);
	depth = 1;
	while (depth) {
		top = &stack[depth - 1];
		if (top->left == 0) {
			depth--;
			continue;
		}
		if (i >= m->nschema) {
			rc = vo_error_at(err, VO_EFORMAT, path, 0, NULL,
					 "corrupt footer: the schema ends inside a group");
			goto out;
		}
		top->left--;
		se = &m->schema[i];
		def = top->def + (se->repetition == PQ_OPTIONAL || se->repetition == PQ_REPEATED);
		rep = top->rep + (se->repetition == PQ_REPEATED);
		se->depth = (uint32_t)depth;
		if (pq_is_group(se)) {
			/* depth < nschema: each frame but the root's consumed an element. */
			stack[depth].left = VO_MAX(se->num_children, 0);
			stack[depth].def = def;
			stack[depth].rep = rep;
			depth++;
		} else {
			m->leaves[m->nleaves].schema_index = i;
			m->leaves[m->nleaves].top_level = depth == 1;
			m->leaves[m->nleaves].max_def = def;
			m->leaves[m->nleaves].max_rep = rep;
			m->nleaves++;
		}
		i++;
	}
	if (i != m->nschema)
		rc = vo_error_at(err, VO_EFORMAT, path, 0, NULL,
				 "corrupt footer: %zu schema elements after the schema tree ends",
				 m->nschema - i);
out:
	vo_free(stack);
	return rc;
}

/* Reads and decodes the footer of the open file. */
int pq_file_meta_load(struct pq_file_meta *m, int fd, uint64_t size, const char *path,
		      struct vo_error *err)
{
	uint8_t tail[8];
	uint8_t head[4];
	uint32_t len;
	struct vo_thrift t;
	int rc;

	memset(m, 0, sizeof(*m));
	if (size < 12)
		return vo_error_at(err, VO_EFORMAT, path, 0, NULL,
				   "not a Parquet file (%" PRIu64 " bytes is too small)", size);
	rc = pq_read_at(fd, path, size - 8, tail, sizeof(tail), err);
	if (rc)
		return rc;
	if (memcmp(tail + 4, "PARE", 4) == 0)
		return vo_error_at(err, VO_EUNSUPPORTED, path, 0, NULL,
				   "encrypted Parquet files are not supported");
	if (memcmp(tail + 4, "PAR1", 4) != 0)
		return vo_error_at(err, VO_EFORMAT, path, 0, NULL,
				   "not a Parquet file (no PAR1 magic at the end)");
	rc = pq_read_at(fd, path, 0, head, sizeof(head), err);
	if (rc)
		return rc;
	if (memcmp(head, "PAR1", 4) != 0)
		return vo_error_at(err, VO_EFORMAT, path, 0, NULL,
				   "not a Parquet file (no PAR1 magic at the start)");
	len = pq_le32(tail);
	if (len == 0 || len > size - 12)
		return vo_error_at(err, VO_EFORMAT, path, 0, NULL,
				   "corrupt footer: length %" PRIu32 " does not fit in the file "
				   "(%" PRIu64 " bytes)",
				   len, size);
	if (len > VO_PARQUET_FOOTER_MAX)
		return vo_error_at(err, VO_ELIMIT, path, 0, NULL,
				   "footer of %" PRIu32 " bytes exceeds the limit of %u", len,
				   VO_PARQUET_FOOTER_MAX);
	m->footer = vo_malloc(len);
	if (!m->footer)
		return vo_error_at(err, VO_ENOMEM, path, 0, NULL,
				   "out of memory reading a footer of %" PRIu32 " bytes", len);
	m->footer_len = len;
	rc = pq_read_at(fd, path, size - 8 - len, m->footer, len, err);
	if (rc)
		return rc;
	vo_thrift_init(&t, m->footer, len);
	rc = decode_file_meta(&t, m);
	if (rc == VO_ENOMEM)
		return vo_error_at(err, rc, path, 0, NULL, "out of memory decoding the footer");
	if (rc)
		return vo_error_at(err, rc, path, 0, NULL, "corrupt footer: %s", t.why);
	return build_leaves(m, path, err);
}

void pq_file_meta_release(struct pq_file_meta *m)
{
	VO_FREE(m->footer);
	VO_FREE(m->schema);
	VO_FREE(m->leaves);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------------ */
/* Names of enum values, for messages                                       */

static const char *const type_names[PQ_TYPE_COUNT] = {
	[PQ_BOOLEAN] = "BOOLEAN",	[PQ_INT32] = "INT32",
	[PQ_INT64] = "INT64",		[PQ_INT96] = "INT96",
	[PQ_FLOAT] = "FLOAT",		[PQ_DOUBLE] = "DOUBLE",
	[PQ_BYTE_ARRAY] = "BYTE_ARRAY", [PQ_FIXED_LEN_BYTE_ARRAY] = "FIXED_LEN_BYTE_ARRAY",
};

const char *pq_type_name(int type)
{
	return type >= 0 && type < PQ_TYPE_COUNT ? type_names[type] : "UNKNOWN";
}

const char *pq_encoding_name(int e)
{
	switch (e) {
	case PQ_ENC_PLAIN:
		return "PLAIN";
	case PQ_ENC_PLAIN_DICTIONARY:
		return "PLAIN_DICTIONARY";
	case PQ_ENC_RLE:
		return "RLE";
	case PQ_ENC_BIT_PACKED:
		return "BIT_PACKED";
	case PQ_ENC_DELTA_BINARY_PACKED:
		return "DELTA_BINARY_PACKED";
	case PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
		return "DELTA_LENGTH_BYTE_ARRAY";
	case PQ_ENC_DELTA_BYTE_ARRAY:
		return "DELTA_BYTE_ARRAY";
	case PQ_ENC_RLE_DICTIONARY:
		return "RLE_DICTIONARY";
	case PQ_ENC_BYTE_STREAM_SPLIT:
		return "BYTE_STREAM_SPLIT";
	default:
		return "UNKNOWN";
	}
}
