/*
 * artifact.c - the artifact's data: the outcomes' names and freeing, see
 * artifact.h.
 */
#include "core/common.h"

#include "core/alloc.h"
#include "model/artifact.h"

static const char *const outcome_names[VO_OUT_COUNT] = {
	[VO_OUT_OTHER_COUNTRY] = "other_country",
	[VO_OUT_INVALID_TIMESTAMP] = "invalid_timestamp",
	[VO_OUT_INVALID_TOTAL_ORDERS] = "invalid_total_orders",
	[VO_OUT_MISSING_VOUCHER_AMOUNT] = "missing_voucher_amount",
	[VO_OUT_INVALID_VOUCHER_AMOUNT] = "invalid_voucher_amount",
	[VO_OUT_FIRST_AFTER_LAST] = "first_order_after_last_order",
	[VO_OUT_ORDER_BEFORE_LAST] = "order_before_last_order",
	[VO_OUT_KEPT] = "kept",
};

const char *vo_outcome_name(enum vo_outcome o)
{
	return (unsigned)o < VO_OUT_COUNT ? outcome_names[o] : "?";
}

void vo_country_table_release(struct vo_country_table *t, size_t ncells)
{
	size_t i;

	vo_free(t->fallback.counts);
	if (t->cells)
		for (i = 0; i < ncells; i++)
			vo_free(t->cells[i].counts);
	vo_free(t->cells);
	vo_free(t->outside);
	vo_free(t->name);
	memset(t, 0, sizeof(*t));
}

void vo_artifact_release(struct vo_artifact *a)
{
	size_t i;

	for (i = 0; i < a->nsources; i++)
		vo_free(a->sources[i].path);
	vo_free(a->sources);
	for (i = 0; i < a->ncountries; i++)
		vo_country_table_release(&a->countries[i], a->config.ncells);
	vo_free(a->countries);
	vo_free(a->outside);
	vo_segconfig_release(&a->config);
	memset(a, 0, sizeof(*a));
}
