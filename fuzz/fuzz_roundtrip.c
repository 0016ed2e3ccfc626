/*
 * fuzz_roundtrip.c - pipeline -> artifact writer -> artifact reader: every
 * artifact `vouch process` writes must load in `vouch serve` (issue 14,
 * item 13: names that differ only in bytes JSON cannot carry became
 * duplicate keys, which the server refuses).
 *
 * The input is a CSV file, optionally preceded by a header section that
 * ends at the first line "%%":
 *
 *   -c NAME[,NAME...]    the selection (default: all, which puts every name
 *                        of the data into the artifact)
 *   {...}                the rest of the section: a segments config
 *   %%
 *   timestamp,country_code,...
 *
 * Whatever the pipeline accepts (one thread, as `process -j 1`) must pass
 * the writer's name check, render, and load with vo_table_parse() (the
 * strict reader, version included, the lookup keys, GET /segments and the
 * dashboard) with the same version and countries, each found again by its
 * own name through the case-insensitive lookup.  Anything else traps.
 */
#include "core/common.h"

#include "api/table.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "model/artifact.h"
#include "model/segdef.h"
#include "pipeline/pipeline.h"
#include "fuzz.h"

/* Most selected names the header line gives. */
#define SELECTION_MAX 8

static void trap(const char *what, const struct vo_error *err)
{
	fprintf(stderr, "fuzz_roundtrip: %s: %s\n", what, err ? err->msg : "");
	__builtin_trap();
}

/* Splits "a,b,c" (len bytes) into up to SELECTION_MAX NUL-terminated names in buf. */
static size_t split_selection(const char *s, size_t len, char *buf, const char **names)
{
	size_t n = 0;
	size_t start = 0;
	size_t i;

	memcpy(buf, s, len);
	buf[len] = '\0';
	for (i = 0; i <= len && n < SELECTION_MAX; i++) {
		if (i == len || buf[i] == ',') {
			buf[i] = '\0';
			names[n++] = buf + start;
			start = i + 1;
		}
	}
	return n;
}

/* The artifact went through write (names checked), render and the server's loader. */
static void check_round_trip(const struct vo_artifact *a)
{
	struct vo_table *t = NULL;
	struct vo_error err = { 0 };
	const struct vo_artifact *back;
	struct vo_buf text;
	size_t i;
	int rc;

	if (vo_artifact_check_names(a, &err))
		trap("the pipeline accepted a name the writer refuses", &err);
	vo_buf_init(&text, VO_ARTIFACT_MAX);
	rc = vo_artifact_render(a, false, &text);
	if (rc == VO_ENOMEM) {
		vo_buf_release(&text);
		return;
	}
	if (rc)
		trap("cannot render", NULL);
	rc = vo_table_parse(text.ptr, text.len, "roundtrip.json", &t, &err);
	if (rc == VO_ENOMEM) {
		vo_buf_release(&text);
		return;
	}
	if (rc)
		trap("the server refuses what the pipeline wrote", &err);
	back = vo_table_artifact(t);
	if (strcmp(back->version, a->version) != 0 || back->ncountries != a->ncountries)
		trap("the artifact read back differs", NULL);
	for (i = 0; i < a->ncountries; i++) {
		if (strcmp(back->countries[i].name, a->countries[i].name) != 0)
			trap("a country's name changed", NULL);
		if (vo_table_country(t, vo_str_cstr(a->countries[i].name)) != (ptrdiff_t)i)
			trap("a country is not found by its own name", NULL);
	}
	vo_table_destroy(t);
	vo_buf_release(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const all[] = { "all" };
	const char *s = (const char *)data;
	const char *names[SELECTION_MAX];
	char selbuf[4096];
	struct vo_pipeline_options opt;
	struct vo_segconfig cfg;
	struct vo_artifact a;
	struct vo_error err = { 0 };
	const char *csv = s;
	size_t csv_len = size;
	size_t nnames = 0;
	bool have_cfg = false;
	char path[64];
	const char *input = path;
	int fd;

	memset(&cfg, 0, sizeof(cfg));
	memset(&a, 0, sizeof(a));
	/* The header section, when the input has one. */
	{
		const char *sep =
			size >= 3 && !memcmp(s, "%%\n", 3) ? s : memmem(s, size, "\n%%\n", 4);

		if (sep) {
			const char *head = s;
			size_t head_len = (size_t)(sep - s);

			csv = sep + (sep == s ? 3 : 4);
			csv_len = size - (size_t)(csv - s);
			if (head_len > 3 && !memcmp(head, "-c ", 3)) {
				const char *eol = memchr(head, '\n', head_len);
				size_t line = eol ? (size_t)(eol - head) : head_len;

				if (line - 3 >= sizeof(selbuf))
					return 0;
				nnames = split_selection(head + 3, line - 3, selbuf, names);
				head += eol ? line + 1 : line;
				head_len -= eol ? line + 1 : line;
			}
			if (head_len) {
				if (vo_segconfig_parse(&cfg, head, head_len, "cfg.json", &err))
					return 0;
				have_cfg = true;
			}
		}
	}
	fd = vo_fuzz_memfile((const uint8_t *)csv, csv_len, path, sizeof(path));
	if (fd < 0) {
		vo_segconfig_release(&cfg);
		return 0;
	}
	memset(&opt, 0, sizeof(opt));
	opt.inputs = &input;
	opt.ninputs = 1;
	opt.countries = nnames ? names : all;
	opt.ncountries = nnames ? nnames : 1;
	opt.config = have_cfg ? &cfg : NULL;
	opt.threads = 1;
	if (vo_pipeline_run(&opt, &a, &err) == VO_OK)
		check_round_trip(&a);
	vo_artifact_release(&a);
	vo_segconfig_release(&cfg);
	close(fd);
	return 0;
}
