/*
 * batch.c - names of the logical input columns.
 */
#include "core/common.h"

#include "ingest/batch.h"

static const char *const col_names[VO_COL_COUNT] = {
	[VO_COL_TIMESTAMP] = "timestamp",	  [VO_COL_COUNTRY] = "country_code",
	[VO_COL_LAST_ORDER_TS] = "last_order_ts", [VO_COL_FIRST_ORDER_TS] = "first_order_ts",
	[VO_COL_TOTAL_ORDERS] = "total_orders",	  [VO_COL_VOUCHER_AMOUNT] = "voucher_amount",
};

const char *vo_col_name(enum vo_col col)
{
	return (unsigned)col < VO_COL_COUNT ? col_names[col] : "?";
}

int vo_col_from_name(struct vo_str name)
{
	int i;

	for (i = 0; i < VO_COL_COUNT; i++)
		if (vo_str_eq_cstr(name, col_names[i]))
			return i;
	if (vo_str_eq_cstr(name, "order_ts"))
		return VO_COL_TIMESTAMP;
	return -1;
}
