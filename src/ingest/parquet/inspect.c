/*
 * inspect.c - `vouch inspect FILE` of a Parquet file: vo_parquet_inspect()
 * (parquet.h) reads the footer as the reader does (metadata.c) and
 * describes it, then walks each column chunk's page headers (never a page
 * body) to list its pages by kind and encoding.
 */
#include "core/common.h"

#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "ingest/batch.h"
#include "ingest/codec.h"
#include "ingest/parquet/parquet.h"
#include "ingest/parquet/parquet_int.h"
#include "ingest/parquet/thrift.h"

/* ------------------------------------------------------------------------ */
/* Names of enum values only inspect shows                                  */

static const char *const converted_names[PQ_CT_COUNT] = {
	[PQ_CT_UTF8] = "UTF8",
	[PQ_CT_MAP] = "MAP",
	[PQ_CT_MAP_KEY_VALUE] = "MAP_KEY_VALUE",
	[PQ_CT_LIST] = "LIST",
	[PQ_CT_ENUM] = "ENUM",
	[PQ_CT_DECIMAL] = "DECIMAL",
	[PQ_CT_DATE] = "DATE",
	[PQ_CT_TIME_MILLIS] = "TIME_MILLIS",
	[PQ_CT_TIME_MICROS] = "TIME_MICROS",
	[PQ_CT_TIMESTAMP_MILLIS] = "TIMESTAMP_MILLIS",
	[PQ_CT_TIMESTAMP_MICROS] = "TIMESTAMP_MICROS",
	[PQ_CT_UINT_8] = "UINT_8",
	[PQ_CT_UINT_16] = "UINT_16",
	[PQ_CT_UINT_32] = "UINT_32",
	[PQ_CT_UINT_64] = "UINT_64",
	[PQ_CT_INT_8] = "INT_8",
	[PQ_CT_INT_16] = "INT_16",
	[PQ_CT_INT_32] = "INT_32",
	[PQ_CT_INT_64] = "INT_64",
	[PQ_CT_JSON] = "JSON",
	[PQ_CT_BSON] = "BSON",
	[PQ_CT_INTERVAL] = "INTERVAL",
};

static const char *converted_name(int ct)
{
	return ct >= 0 && ct < PQ_CT_COUNT ? converted_names[ct] : "UNKNOWN";
}

static const char *unit_name(int unit)
{
	switch (unit) {
	case PQ_UNIT_MILLIS:
		return "MILLIS";
	case PQ_UNIT_MICROS:
		return "MICROS";
	case PQ_UNIT_NANOS:
		return "NANOS";
	default:
		return "UNKNOWN";
	}
}

static const char *repetition_name(int rep)
{
	switch (rep) {
	case PQ_REQUIRED:
		return "REQUIRED";
	case PQ_OPTIONAL:
		return "OPTIONAL";
	case PQ_REPEATED:
		return "REPEATED";
	default:
		return "-";
	}
}

/* ------------------------------------------------------------------------ */
/* Inspect                                                                  */

/* Appends s with non-printable bytes escaped as \xNN. */
static int add_escaped(struct vo_buf *b, struct vo_str s)
{
	size_t i;
	unsigned char c;
	int rc = VO_OK;

	for (i = 0; i < s.len && rc == VO_OK; i++) {
		c = (unsigned char)s.ptr[i];
		if (c < 0x20 || c == 0x7f || c == '\\')
			rc = vo_buf_addf(b, "\\x%02x", c);
		else
			rc = vo_buf_addch(b, (char)c);
	}
	return rc;
}

static int describe_element(struct vo_buf *b, const struct pq_schema_element *se)
{
	const struct pq_logical_type *lt = &se->logical;
	int rc = VO_OK;

	if (se->type >= 0)
		rc = vo_buf_addstr(b, pq_type_name(se->type));
	else
		rc = vo_buf_addf(b, "group (%d children)", VO_MAX(se->num_children, 0));
	if (rc == VO_OK && se->type == PQ_FIXED_LEN_BYTE_ARRAY)
		rc = vo_buf_addf(b, "(%d)", se->type_length);
	if (rc == VO_OK && lt->kind != PQ_LT_NONE) {
		switch (lt->kind) {
		case PQ_LT_TIMESTAMP:
		case PQ_LT_TIME:
			rc = vo_buf_addf(b, ", logical %s(%s, utc=%s)",
					 lt->kind == PQ_LT_TIME ? "TIME" : "TIMESTAMP",
					 unit_name(lt->unit), lt->utc ? "true" : "false");
			break;
		case PQ_LT_DECIMAL:
			rc = vo_buf_addf(b, ", logical DECIMAL(%d, %d)", lt->precision, lt->scale);
			break;
		case PQ_LT_INTEGER:
			rc = vo_buf_addf(b, ", logical INTEGER(%d, %s)", lt->bit_width,
					 lt->is_signed ? "signed" : "unsigned");
			break;
		default: {
			static const char *const names[] = {
				[PQ_LT_STRING] = "STRING",	 [PQ_LT_MAP] = "MAP",
				[PQ_LT_LIST] = "LIST",		 [PQ_LT_ENUM] = "ENUM",
				[PQ_LT_DATE] = "DATE",		 [PQ_LT_UNKNOWN] = "NULL",
				[PQ_LT_JSON] = "JSON",		 [PQ_LT_BSON] = "BSON",
				[PQ_LT_UUID] = "UUID",		 [PQ_LT_FLOAT16] = "FLOAT16",
				[PQ_LT_VARIANT] = "VARIANT",	 [PQ_LT_GEOMETRY] = "GEOMETRY",
				[PQ_LT_GEOGRAPHY] = "GEOGRAPHY",
			};
			const char *n =
				(size_t)lt->kind < VO_ARRAY_SIZE(names) ? names[lt->kind] : NULL;
			rc = vo_buf_addf(b, ", logical %s", n ? n : "OTHER");
			break;
		}
		}
	}
	if (rc == VO_OK && se->converted >= 0)
		rc = vo_buf_addf(b, ", converted %s", converted_name(se->converted));
	if (rc == VO_OK && se->converted == PQ_CT_DECIMAL && lt->kind != PQ_LT_DECIMAL)
		rc = vo_buf_addf(b, "(%d, %d)", se->precision, se->scale);
	if (rc == VO_OK)
		rc = vo_buf_addf(b, ", %s", repetition_name(se->repetition));
	return rc;
}

static int describe_schema(struct vo_buf *b, const struct pq_file_meta *m)
{
	bool mapped[VO_COL_COUNT] = { false };
	const struct pq_schema_element *se;
	size_t i;
	uint32_t k;
	int col;
	int rc;

	rc = vo_buf_addf(b, "schema (%zu columns):\n", m->nleaves);
	/* In depth-first order, indented by the depth build_leaves() found. */
	for (i = 1; i < m->nschema && rc == VO_OK; i++) {
		se = &m->schema[i];
		for (k = 0; k < se->depth && rc == VO_OK; k++)
			rc = vo_buf_addstr(b, "  ");
		if (rc == VO_OK)
			rc = add_escaped(b, se->name);
		if (rc == VO_OK)
			rc = vo_buf_addstr(b, ": ");
		if (rc == VO_OK)
			rc = describe_element(b, se);
		col = se->depth == 1 ? vo_col_from_name(se->name) : -1;
		if (rc == VO_OK && pq_is_group(se)) {
			rc = vo_buf_addstr(b, col >= 0 ? " -> not readable (nested)\n" : "\n");
		} else if (rc == VO_OK) {
			if (col >= 0 && !mapped[col]) {
				mapped[col] = true;
				rc = vo_buf_addf(b, " -> %s\n", vo_col_name((enum vo_col)col));
			} else {
				rc = vo_buf_addstr(b,
						   col >= 0 ? " -> duplicate\n" : " -> not read\n");
			}
		}
	}
	for (col = 0; col < VO_COL_COUNT && rc == VO_OK; col++)
		if (!mapped[col])
			rc = vo_buf_addf(b, "missing column '%s'\n", vo_col_name((enum vo_col)col));
	return rc;
}

static int describe_chunk(struct vo_buf *b, const struct pq_file_meta *m, size_t i,
			  const struct pq_column_chunk *ch)
{
	const struct pq_column_meta *cm = &ch->meta;
	const struct pq_schema_element *se = &m->schema[m->leaves[i].schema_index];
	uint32_t e;
	int rc;

	rc = vo_buf_addstr(b, "    ");
	if (rc == VO_OK)
		rc = add_escaped(b, se->name);
	if (rc == VO_OK && !ch->has_meta)
		return vo_buf_addstr(b, ": no metadata\n");
	if (rc == VO_OK)
		rc = vo_buf_addf(b, ": %s, encodings ", vo_codec_name(cm->codec));
	for (e = 0; e < cm->nencodings && e < PQ_ENCODINGS_KEPT && rc == VO_OK; e++)
		rc = vo_buf_addf(b, "%s%s", e ? ", " : "", pq_encoding_name(cm->encodings[e]));
	if (rc == VO_OK && cm->nencodings > PQ_ENCODINGS_KEPT)
		rc = vo_buf_addstr(b, ", ...");
	if (rc == VO_OK)
		rc = vo_buf_addf(b,
				 "; %" PRId64 " bytes compressed, %" PRId64
				 " uncompressed; %" PRId64 " values; dictionary page: %s",
				 cm->total_compressed_size, cm->total_uncompressed_size,
				 cm->num_values, cm->dictionary_page_offset > 0 ? "yes" : "no");
	if (rc == VO_OK && ch->encrypted)
		rc = vo_buf_addstr(b, "; encrypted");
	if (rc == VO_OK && ch->has_file_path)
		rc = vo_buf_addstr(b, "; data in another file");
	if (rc == VO_OK)
		rc = vo_buf_addch(b, '\n');
	return rc;
}

/* Pages of one kind and value encoding in a column chunk, for inspect. */
struct page_tally {
	int type;     /* enum pq_page_type */
	int encoding; /* enum pq_encoding of the values */
	bool plain;   /* DATA_PAGE_V2 with is_compressed false */
	uint64_t n;   /* pages */
};

/* Distinct (kind, encoding) pairs listed per chunk; real chunks have 2 or 3. */
#define PAGE_TALLY_MAX 16
/* Bytes read first for a page header; most are under 100. */
#define INSPECT_HEADER_PREFIX 256

static const char *page_type_name(int type)
{
	switch (type) {
	case PQ_PAGE_DATA:
		return "DATA_PAGE";
	case PQ_PAGE_INDEX:
		return "INDEX_PAGE";
	case PQ_PAGE_DICTIONARY:
		return "DICTIONARY_PAGE";
	case PQ_PAGE_DATA_V2:
		return "DATA_PAGE_V2";
	default:
		return "UNKNOWN_PAGE";
	}
}

static void tally_page(struct page_tally *t, size_t *nt, const struct pq_page_header *ph)
{
	int enc = -1;
	bool plain = false;
	size_t i;

	if (ph->type == PQ_PAGE_DATA && ph->has_data)
		enc = ph->data.encoding;
	else if (ph->type == PQ_PAGE_DICTIONARY && ph->has_dict)
		enc = ph->dict.encoding;
	else if (ph->type == PQ_PAGE_DATA_V2 && ph->has_v2) {
		enc = ph->v2.encoding;
		plain = !ph->v2.is_compressed;
	}
	for (i = 0; i < *nt; i++) {
		if (t[i].type == ph->type && t[i].encoding == enc && t[i].plain == plain) {
			t[i].n++;
			return;
		}
	}
	if (*nt < PAGE_TALLY_MAX)
		t[(*nt)++] = (struct page_tally){ ph->type, enc, plain, 1 };
}

/*
 * Reads the page header at off, at most avail bytes, into *ph and its size
 * into *hlen.  Returns VO_OK or a code, with why (whylen bytes) saying what
 * is wrong.
 */
static int read_header_at(int fd, const char *path, uint64_t off, uint64_t avail, struct vo_buf *hb,
			  struct pq_page_header *ph, size_t *hlen, char *why, size_t whylen)
{
	size_t want = (size_t)VO_MIN(avail, (uint64_t)INSPECT_HEADER_PREFIX);
	struct vo_thrift t;
	int rc;

	for (;;) {
		vo_buf_reset(hb);
		rc = vo_buf_grow(hb, want);
		if (rc) {
			snprintf(why, whylen, "out of memory");
			return rc;
		}
		rc = pq_read_at(fd, path, off, hb->ptr, want, NULL);
		if (rc) {
			snprintf(why, whylen, "cannot read");
			return rc;
		}
		vo_thrift_init(&t, (const uint8_t *)hb->ptr, want);
		rc = pq_page_header_decode(&t, ph);
		if (rc == VO_OK) {
			*hlen = vo_thrift_offset(&t);
			return VO_OK;
		}
		snprintf(why, whylen, "%s", t.why);
		if (!t.truncated || want >= avail || want >= VO_PARQUET_PAGE_HEADER_MAX)
			return rc;
		want = (size_t)VO_MIN(VO_MIN(avail, (uint64_t)want * 4),
				      (uint64_t)VO_PARQUET_PAGE_HEADER_MAX);
	}
}

/*
 * Appends "pages: DICTIONARY_PAGE PLAIN x1, DATA_PAGE_V2 RLE_DICTIONARY x3"
 * for the column chunk, walking its page headers from its first page to
 * total_compressed_size bytes later.  A chunk that cannot be walked says why
 * instead ("pages: unreadable (...)"): inspect still describes the rest.
 */
static int describe_pages(struct vo_buf *b, int fd, const char *path, uint64_t size,
			  const struct pq_column_meta *cm)
{
	struct page_tally tally[PAGE_TALLY_MAX];
	struct vo_buf hb;
	char why[sizeof(((struct vo_thrift *)NULL)->why)] = "";
	uint64_t pos;
	uint64_t end;
	size_t nt = 0;
	size_t i;
	int rc = VO_OK;

	if (cm->dictionary_page_offset >= 4 && cm->dictionary_page_offset < cm->data_page_offset)
		pos = (uint64_t)cm->dictionary_page_offset;
	else
		pos = cm->data_page_offset >= 4 ? (uint64_t)cm->data_page_offset : 0;
	if (pos == 0 || cm->total_compressed_size < 0 || pos > size ||
	    (uint64_t)cm->total_compressed_size > size - pos)
		return vo_buf_addstr(b, "      pages: unreadable (the chunk's offsets are "
					"outside the file)\n");
	end = pos + (uint64_t)cm->total_compressed_size;
	vo_buf_init(&hb, VO_PARQUET_PAGE_HEADER_MAX + 1);
	while (pos < end) {
		struct pq_page_header ph;
		size_t hlen = 0;

		if (read_header_at(fd, path, pos, end - pos, &hb, &ph, &hlen, why, sizeof(why)) !=
		    VO_OK)
			break;
		if ((uint64_t)ph.compressed_size > end - pos - hlen) {
			snprintf(why, sizeof(why), "a page runs past the end of the chunk");
			break;
		}
		tally_page(tally, &nt, &ph);
		pos += hlen + (uint64_t)ph.compressed_size;
	}
	vo_buf_release(&hb);
	rc = vo_buf_addstr(b, "      pages: ");
	for (i = 0; i < nt && rc == VO_OK; i++) {
		rc = vo_buf_addf(b, "%s%s %s%s x%" PRIu64, i ? ", " : "",
				 page_type_name(tally[i].type),
				 tally[i].encoding < 0 ? "-" : pq_encoding_name(tally[i].encoding),
				 tally[i].plain ? " (values not compressed)" : "", tally[i].n);
	}
	if (rc == VO_OK && why[0])
		rc = vo_buf_addf(b, "%sunreadable at offset %" PRIu64 " (%s)", nt ? "; " : "", pos,
				 why);
	if (rc == VO_OK)
		rc = vo_buf_addch(b, '\n');
	return rc;
}

static int describe_row_groups(struct vo_buf *b, const struct pq_file_meta *m, int fd,
			       uint64_t size, const char *path, struct vo_error *err)
{
	struct pq_row_group rg;
	struct vo_thrift t;
	size_t i;
	size_t k;
	int rc = VO_OK;

	rg.chunks = vo_calloc(m->nleaves ? m->nleaves : 1, sizeof(*rg.chunks));
	if (!rg.chunks)
		return vo_error_nomem_in(err, path);
	vo_thrift_init(&t, m->footer + m->row_groups_at, m->footer_len - m->row_groups_at);
	for (i = 0; i < m->nrow_groups && rc == VO_OK; i++) {
		rc = pq_row_group_decode(&t, m->row_groups_type, &rg, NULL, m->nleaves, m->nleaves);
		if (rc) {
			rc = vo_error_at(err, rc, path, 0, NULL,
					 "row group %zu: corrupt footer: %s", i, t.why);
			break;
		}
		rc = vo_buf_addf(b, "row group %zu: %" PRId64 " rows", i, rg.num_rows);
		if (rc == VO_OK && rg.total_byte_size >= 0)
			rc = vo_buf_addf(b, ", %" PRId64 " bytes uncompressed", rg.total_byte_size);
		if (rc == VO_OK && rg.ncolumns != m->nleaves)
			rc = vo_buf_addf(b, " (%" PRIu32 " column chunks for %zu columns)",
					 rg.ncolumns, m->nleaves);
		if (rc == VO_OK)
			rc = vo_buf_addch(b, '\n');
		for (k = 0; k < m->nleaves && k < rg.ncolumns && rc == VO_OK; k++) {
			const struct pq_column_chunk *ch = &rg.chunks[k];

			rc = describe_chunk(b, m, k, ch);
			if (rc == VO_OK && ch->has_meta && !ch->encrypted && !ch->has_file_path)
				rc = describe_pages(b, fd, path, size, &ch->meta);
		}
		if (rc)
			rc = vo_error_at(err, rc, path, 0, NULL, "cannot describe the file: %s",
					 vo_strerror(rc));
	}
	vo_free(rg.chunks);
	return rc;
}

int vo_parquet_inspect(const char *path, struct vo_buf *out, struct vo_error *err)
{
	struct pq_file_meta m;
	uint64_t size = 0;
	int fd = -1;
	int rc;

	memset(&m, 0, sizeof(m));
	rc = pq_open_file(path, &fd, &size, err);
	if (rc)
		goto out;
	rc = pq_file_meta_load(&m, fd, size, path, err);
	if (rc)
		goto out;
	rc = vo_buf_addstr(out, "file: ");
	if (rc == VO_OK)
		rc = add_escaped(out, vo_str_cstr(path));
	if (rc == VO_OK)
		rc = vo_buf_addf(out, "\nsize: %" PRIu64 " bytes\ncreated_by: ", size);
	if (rc == VO_OK)
		rc = add_escaped(out, m.created_by);
	if (rc == VO_OK)
		rc = vo_buf_addf(out,
				 "\nformat version: %" PRId32 "\nrows: %" PRId64
				 "\nrow groups: %zu\nfooter: %zu bytes%s\n",
				 m.version, m.num_rows, m.nrow_groups, m.footer_len,
				 m.encrypted ? " (encrypted columns)" : "");
	if (rc == VO_OK)
		rc = describe_schema(out, &m);
	if (rc) {
		rc = vo_error_at(err, rc, path, 0, NULL, "cannot describe the file: %s",
				 vo_strerror(rc));
		goto out;
	}
	rc = describe_row_groups(out, &m, fd, size, path, err);
out:
	if (fd >= 0)
		close(fd);
	pq_file_meta_release(&m);
	return rc;
}
