/* orchestrator/track_record.h — when each VM first reached its current
 * stage, kept in the fleet's state folder (stages/<vm>: "stage epoch"),
 * so `herd status` can say "since" across runs. */
#ifndef HERD_TRACK_RECORD_H
#define HERD_TRACK_RECORD_H

/* If the record for vm already says `stage`, return its time; otherwise
 * write stage with the current time and return that.  Failing to write the
 * record only loses the history: the current time is returned. */
long track_record_stage(const char *state_dir, const char *vm, const char *stage);

#endif
