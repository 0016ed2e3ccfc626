/*
 * merge.h - `vouch merge`: partial results (model/partial.h) summed into the
 * artifact.
 *
 * The parts of one job (`vouch process --partial`, one per shard, in any
 * number and any order) are read one after another and their counts added
 * into one cleaner and one segmenter, as the threads of one run are merged;
 * then the artifact is finished by the code that finishes `vouch process`
 * (pipeline_int.h's vo__pipeline_finish()), so its version is the one
 * `vouch process` gives over the same inputs and config.
 */
#ifndef VO_PIPELINE_MERGE_H
#define VO_PIPELINE_MERGE_H

#include "core/common.h"

#include "core/err.h"
#include "model/artifact.h"

/*
 * Merges the parts at paths[0..n) into *out (the caller releases it, also
 * after a failure).  Refused, with VO_EFORMAT and a message naming the part
 * (and, for units, the file and unit): a part that cannot be read, is
 * truncated, damaged or of another format version (vo_partial_parse()); one
 * made with another country selection or other segment definitions than the
 * first part (their fingerprints differ); one that lists other input files
 * (another -i, or files that changed size); a unit read by two parts; a unit
 * of the job that no part read (with the shard that should have read it,
 * when the parts agree on the shard count).  VO_EINVAL without parts,
 * VO_ELIMIT past the counts' limits, VO_ENOMEM.
 */
int vo_merge_run(const char *const *paths, size_t n, struct vo_artifact *out, struct vo_error *err);

#endif
