/*
 * fuzz_value.c - the timestamp grammar (vo_ts_parse) and the number rules
 * (vo_num_parse) of SPEC section 2.  The input is one value; an accepted
 * timestamp is formatted and parsed again, and must give the same instant
 * (to the microsecond, as formatted).  The fixed-layout path
 * (vo_ts_parse_day) must agree with the full grammar on every input, and
 * its day with the instant's.
 */
#include "core/common.h"

#include "core/str.h"
#include "model/value.h"
#include "fuzz.h"

static struct vo_ts_months months;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vo_str s = vo_str_make((const char *)data, size);
	volatile int64_t sink = 0;
	int64_t us = 0;
	int64_t v = 0;
	char text[32];

	{
		int64_t us2 = 0;
		int64_t day = 0;
		bool ok = vo_ts_parse(s, &us);

		if (vo_ts_parse_day(s, &us2, &day) != ok ||
		    (ok && (us2 != us || day != vo_us_to_days(us))))
			__builtin_trap();
		if (vo_ts_parse_day(s, NULL, &day) != ok || (ok && day != vo_us_to_days(us)))
			__builtin_trap();
		/* months seen by earlier inputs must not change the answer */
		if (vo_ts_parse_day_cached(s, &months, NULL, &day) != ok ||
		    (ok && day != vo_us_to_days(us)))
			__builtin_trap();
	}
	if (vo_ts_parse(s, &us)) {
		int64_t again = 0;
		size_t n = vo_ts_format(us, text);

		if (!vo_ts_parse(vo_str_make(text, n), &again) || again != us)
			__builtin_trap();
		n = vo_date_format(us / 86400000000LL, text);
		sink += (int64_t)n;
	}
	if (vo_num_parse(s, &v) == VO_NUM_WHOLE) {
		if (v < 0)
			__builtin_trap();
		sink += v;
	}
	(void)sink;
	return 0;
}
