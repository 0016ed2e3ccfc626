/*
 * fuzz_footer.c - the Parquet footer: the input is a FileMetaData, wrapped
 * into a file ("PAR1", the bytes, their length, "PAR1") so that
 * pq_file_meta_load() decodes it as it would a real file's; the row groups
 * it lists are then decoded one by one, as the reader does at open.
 */
#include "core/common.h"

#include "core/alloc.h"
#include "core/err.h"
#include "ingest/parquet/parquet_int.h"
#include "fuzz.h"

static const uint8_t magic[4] = { 'P', 'A', 'R', '1' };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pq_file_meta m;
	struct pq_column_chunk chunks[VO_COL_COUNT];
	struct pq_row_group rg;
	struct vo_error err = { 0 };
	struct vo_thrift t;
	uint8_t *file;
	char path[64];
	int fd;
	size_t i;

	if (size > (1u << 20))
		return 0;
	file = vo_malloc(size + 12);
	if (!file)
		return 0;
	memcpy(file, magic, sizeof(magic));
	if (size)
		memcpy(file + 4, data, size);
	file[size + 4] = (uint8_t)size;
	file[size + 5] = (uint8_t)(size >> 8);
	file[size + 6] = (uint8_t)(size >> 16);
	file[size + 7] = (uint8_t)(size >> 24);
	memcpy(file + size + 8, magic, sizeof(magic));
	fd = vo_fuzz_memfile(file, size + 12, path, sizeof(path));
	vo_free(file);
	if (fd < 0)
		return 0;
	memset(&m, 0, sizeof(m));
	if (pq_file_meta_load(&m, fd, size + 12, path, &err) == VO_OK) {
		vo_thrift_init(&t, m.footer + m.row_groups_at, m.footer_len - m.row_groups_at);
		for (i = 0; i < m.nrow_groups && i < 10000; i++) {
			memset(&rg, 0, sizeof(rg));
			rg.chunks = chunks;
			if (pq_row_group_decode(&t, m.row_groups_type, &rg, NULL, m.nleaves,
						VO_COL_COUNT) != VO_OK)
				break;
		}
	}
	pq_file_meta_release(&m);
	close(fd);
	return 0;
}
