/*
 * fuzz_csv.c - the CSV reader (RFC 4180, BOM, CRLF, gzip-compressed input
 * detected by its magic), as vouch process reads a file.  The input is the
 * file.
 */
#include "core/common.h"

#include "core/err.h"
#include "ingest/batch.h"
#include "ingest/reader.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vo_reader *r = NULL;
	struct vo_error err = { 0 };
	struct vo_batch batch;
	volatile uint64_t sum = 0;
	char path[64];
	int fd;
	int rounds = 0;

	/* Parquet input goes to fuzz_parquet; here every input is CSV or gzip. */
	if (size >= 4 && memcmp(data, "PAR1", 4) == 0)
		return 0;
	fd = vo_fuzz_memfile(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (vo_reader_open(&r, path, &err) == VO_OK) {
		memset(&batch, 0, sizeof(batch));
		while (vo_reader_next(r, &batch, &err) == VO_OK && batch.nrows && ++rounds < 1000)
			sum += vo_fuzz_touch_batch(&batch);
		vo_reader_destroy(r);
	}
	close(fd);
	return 0;
}
