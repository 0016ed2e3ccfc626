/*
 * fuzz.h - what every fuzz target shares: libFuzzer's entry points and a way
 * to hand bytes to readers that only open files by path.
 *
 * A target defines LLVMFuzzerTestOneInput() (and LLVMFuzzerInitialize() when
 * it needs state built once).  Built with clang and -fsanitize=fuzzer it is a
 * libFuzzer binary; built with the normal compiler and replay.c it is a
 * regression test that feeds it every file of the folders it is given.
 */
#ifndef VO_FUZZ_FUZZ_H
#define VO_FUZZ_FUZZ_H

#include "core/common.h"

#include <sys/mman.h>
#include <unistd.h>

#include "ingest/batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * Writes size bytes of data to a new anonymous memory file and names it
 * /proc/self/fd/N in path (at least 64 bytes).  Returns the descriptor, which
 * the caller closes, or -1 when the system refuses (the input is then
 * skipped: the target tests the parser, not the kernel).
 */
static inline int vo_fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t cap)
{
	int fd = memfd_create("vouch-fuzz", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	snprintf(path, cap, "/proc/self/fd/%d", fd);
	return fd;
}

/*
 * Reads every value a batch hands out, as the cleaner would, so that a view
 * past its buffer shows under ASan; a row whose dictionary index is past the
 * dictionary traps (a reader must never hand one out).  Returns a checksum
 * so that the reads are not optimized away.
 */
static inline uint64_t vo_fuzz_touch_batch(const struct vo_batch *b)
{
	uint64_t sum = 0;
	size_t c;
	size_t i;
	size_t k;

	for (c = 0; c < VO_COL_COUNT; c++) {
		const struct vo_column *col = &b->col[c];

		for (i = 0; i < b->nrows; i++) {
			size_t slot;

			if (vo_column_is_null(col, i))
				continue;
			slot = vo_column_slot(col, i);
			if (slot >= col->nvalues)
				__builtin_trap();
			if (col->type == VO_V_STR) {
				for (k = 0; k < col->values.str[slot].len; k++)
					sum += (uint8_t)col->values.str[slot].ptr[k];
			} else if (col->type == VO_V_F64) {
				sum += (uint64_t)(col->values.f64[slot] != 0.0);
			} else {
				sum += (uint64_t)col->values.i64[slot];
			}
		}
	}
	return sum;
}

#endif
