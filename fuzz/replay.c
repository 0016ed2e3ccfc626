/*
 * replay.c - runs a fuzz target's LLVMFuzzerTestOneInput() over files, without
 * libFuzzer, so that `make test` replays the seed corpora and every crash
 * ever found (fuzz/regressions/) with the normal compiler, and under ASan in
 * the sanitizer build.
 *
 * usage: replay_TARGET PATH...   (a path is a file or a folder of files;
 * hidden files and subfolders are skipped).  Exits 0 when every input ran,
 * 1 when a path cannot be read.  A crash is the target's own failure.
 */
#include "core/common.h"

#include <dirent.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/fileio.h"
#include "fuzz.h"

/* Targets without state to build define no LLVMFuzzerInitialize(). */
#pragma weak LLVMFuzzerInitialize

/* Largest input replayed; libFuzzer's default -max_len is far below it. */
#define REPLAY_INPUT_MAX (16u << 20)

static int run_file(const char *path, size_t *count)
{
	struct vo_error err = { 0 };
	struct vo_buf b;
	int rc;

	vo_buf_init(&b, REPLAY_INPUT_MAX);
	rc = vo_read_file(path, REPLAY_INPUT_MAX, &b, &err);
	if (rc) {
		fprintf(stderr, "replay: %s\n", err.msg);
		vo_buf_release(&b);
		return 1;
	}
	LLVMFuzzerTestOneInput(b.ptr ? (const uint8_t *)b.ptr : (const uint8_t *)"", b.len);
	vo_buf_release(&b);
	(*count)++;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int run_dir(const char *dir, size_t *count)
{
	char **names = NULL;
	size_t n = 0;
	size_t cap = 0;
	struct dirent *e;
	DIR *d = opendir(dir);
	int status = 0;
	size_t i;

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **p = realloc(names, ncap * sizeof(*names));

			if (!p) {
				status = 1;
				break;
			}
			names = p;
			cap = ncap;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			status = 1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!status && stat(path, &st) == 0 && S_ISREG(st.st_mode))
			status = run_file(path, count);
		free(names[i]);
	}
	free(names);
	return status;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int status = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc && !status; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		} else if (S_ISDIR(st.st_mode)) {
			status = run_dir(argv[i], &count);
		} else {
			status = run_file(argv[i], &count);
		}
	}
	printf("replay: %zu inputs\n", count);
	return status;
}
