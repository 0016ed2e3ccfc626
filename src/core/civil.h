/*
 * civil.h - proleptic Gregorian calendar arithmetic without the C library.
 *
 * gmtime() and friends are banned (core/banned.h): they are not reentrant,
 * depend on the TZ environment and are slow.  These are Howard Hinnant's
 * days_from_civil / civil_from_days algorithms, exact for every year of
 * int range.
 */
#ifndef VO_CORE_CIVIL_H
#define VO_CORE_CIVIL_H

#include "core/common.h"

#define VO_US_PER_DAY INT64_C(86400000000)

/* Days since 1970-01-01 of year-month-day (month 1..12, day 1..31, unchecked). */
static inline int64_t vo_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe;
	unsigned doy;
	unsigned doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* The calendar date of a day number (inverse of vo_days_from_civil). */
static inline void vo_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe;
	unsigned yoe;
	unsigned doy;
	unsigned mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static inline bool vo_is_leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static inline unsigned vo_days_in_month(int64_t y, unsigned m)
{
	static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && vo_is_leap_year(y) ? 29u : mdays[m - 1];
}

/* Floor division of microseconds into a day number (correct before 1970). */
static inline int64_t vo_us_to_days(int64_t us)
{
	int64_t q = us / VO_US_PER_DAY;

	return (us % VO_US_PER_DAY < 0) ? q - 1 : q;
}

#endif
