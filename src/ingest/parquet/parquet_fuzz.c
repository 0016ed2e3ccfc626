/*
 * parquet_fuzz.c - the fuzz entry points of the Parquet reader, see
 * parquet_fuzz.h.
 */
#include "core/common.h"

#include "core/err.h"
#include "ingest/batch.h"
#include "ingest/parquet/parquet_fuzz.h"
#include "ingest/parquet/parquet_int.h"

int vo_parquet_fuzz_footer(int fd, uint64_t size, const char *path)
{
	struct pq_column_chunk chunks[VO_COL_COUNT];
	struct vo_error err = { 0 };
	struct pq_row_group rg;
	struct pq_file_meta m;
	struct vo_thrift t;
	size_t i;
	int rc;

	memset(&m, 0, sizeof(m));
	rc = pq_file_meta_load(&m, fd, size, path, &err);
	if (rc == VO_OK) {
		vo_thrift_init(&t, m.footer + m.row_groups_at, m.footer_len - m.row_groups_at);
		for (i = 0; i < m.nrow_groups && i < 10000; i++) {
			memset(&rg, 0, sizeof(rg));
			rg.chunks = chunks;
			rc = pq_row_group_decode(&t, m.row_groups_type, &rg, NULL, m.nleaves,
						 VO_COL_COUNT);
			if (rc != VO_OK)
				break;
		}
	}
	pq_file_meta_release(&m);
	return rc;
}

int vo_parquet_fuzz_page_header(struct vo_thrift *t)
{
	struct pq_page_header ph;

	return pq_page_header_decode(t, &ph);
}

int vo_parquet_fuzz_row_group(struct vo_thrift *t)
{
	struct pq_column_chunk chunks[VO_COL_COUNT];
	struct pq_row_group rg;

	memset(&rg, 0, sizeof(rg));
	rg.chunks = chunks;
	return pq_row_group_decode(t, VO_THRIFT_STRUCT, &rg, NULL, VO_COL_COUNT, VO_COL_COUNT);
}
