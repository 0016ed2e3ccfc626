/*
 * progress.h - `vouch process`'s progress line on stderr.
 *
 * Shown only when stderr is a terminal, the input is large
 * (VO_PROGRESS_MIN_BYTES) and the run lasts more than half a second; it is
 * redrawn four times a second from a thread of its own and erased at the
 * end, so logs and pipes never see it.
 */
#ifndef VO_CLI_PROGRESS_H
#define VO_CLI_PROGRESS_H

#include "core/common.h"

#include "pipeline/pipeline.h"

struct vo_progress_bar;

/*
 * The bytes of the inputs done: the files finished plus the part of the
 * current one, by its rows (Parquet, whose footer declares them) or by the
 * bytes its reader consumed (CSV; compressed bytes for .csv.gz).
 */
double vo_progress_done_bytes(struct vo_progress *p);

/* Starts the display of p, or returns NULL when there is nothing to show on. */
struct vo_progress_bar *vo_progress_bar_start(struct vo_progress *p);

/* Stops the display and erases its line; NULL is a no-op. */
void vo_progress_bar_stop(struct vo_progress_bar *b);

#endif
