/*
 * fuzz_parquet.c - a whole Parquet file: footer, schema, row groups, page
 * headers, every page decoder and codec the reader has, as vouch process
 * and vouch inspect read it.  The input is the file.
 */
#include "core/common.h"

#include "core/buf.h"
#include "core/err.h"
#include "ingest/batch.h"
#include "ingest/parquet/parquet.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vo_parquet_reader *r = NULL;
	struct vo_error err = { 0 };
	struct vo_batch batch;
	struct vo_buf text;
	char path[64];
	volatile uint64_t sum = 0;
	int fd = vo_fuzz_memfile(data, size, path, sizeof(path));
	int rounds = 0;

	if (fd < 0)
		return 0;
	if (vo_parquet_reader_open(&r, path, &err) == VO_OK) {
		memset(&batch, 0, sizeof(batch));
		while (vo_parquet_reader_next(r, &batch, &err) == VO_OK && batch.nrows &&
		       ++rounds < 1000)
			sum += vo_fuzz_touch_batch(&batch);
		vo_parquet_reader_destroy(r);
	}
	vo_buf_init(&text, 1u << 24);
	(void)vo_parquet_inspect(path, &text, &err);
	vo_buf_release(&text);
	close(fd);
	return 0;
}
