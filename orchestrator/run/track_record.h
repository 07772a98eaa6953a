/* orchestrator/run/track_record.h — when each VM first reached each readiness
 * stage since it last started, kept in the fleet's state folder
 * (stages/<vm>: one "stage epoch" line per stage reached), so `herd status`
 * says the same "since" across runs, however many stages a run passes on
 * its way. */
#ifndef HERD_TRACK_RECORD_H
#define HERD_TRACK_RECORD_H

/* The time vm first reached `stage` (a word without blanks): the recorded
 * one, or now, which is then added to the record.  Failing to write the
 * record only loses the history: the current time is returned. */
long track_record_stage(const char *state_dir, const char *vm, const char *stage);

/* Forget vm's stages (it stopped: the next start begins afresh).  A
 * missing record is fine; errors only lose the history. */
void track_record_clear(const char *state_dir, const char *vm);

#endif
