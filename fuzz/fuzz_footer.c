/*
 * fuzz_footer.c - the Parquet footer: the input is a FileMetaData, wrapped
 * into a file ("PAR1", the bytes, their length, "PAR1") so that the reader's
 * footer decoder reads it as it would a real file's; the row groups it lists
 * are then decoded one by one, as the reader does at open
 * (vo_parquet_fuzz_footer(), ingest/parquet/parquet_fuzz.h).
 */
#include "core/common.h"

#include "core/alloc.h"
#include "ingest/parquet/parquet_fuzz.h"
#include "fuzz.h"

static const uint8_t magic[4] = { 'P', 'A', 'R', '1' };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *file;
	char path[64];
	int fd;

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
	(void)vo_parquet_fuzz_footer(fd, size + 12, path);
	close(fd);
	return 0;
}
