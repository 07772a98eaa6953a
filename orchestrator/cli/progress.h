/* orchestrator/cli/progress.h — draw a transfer's progress; drawing only.
 *
 * The numbers come from elsewhere (orchestrator/image/fetch.h reports bytes,
 * total and rate); this module only decides how they look: on a TTY one
 * line redrawn in place (a bar, bytes, rate, ETA), at most ten times a
 * second; otherwise plain lines at each quarter (or every 10 s when the
 * size is unknown), fit for CI logs.
 */
#ifndef HERD_PROGRESS_H
#define HERD_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct progress;

/* A drawer writing to f (borrowed; usually stderr).  label is copied.
 * tty selects the redrawn bar.  Never NULL. */
struct progress *progress_new(FILE *f, const char *label, int tty);

/* New figures: bytes so far, total (0 unknown), rate in bytes/s. */
void progress_update(struct progress *p, uint64_t bytes, uint64_t total,
		     double rate);

/* A line of its own (e.g. "retrying in 2 s: ..."), the bar redrawn after. */
void progress_note(struct progress *p, const char *note);

/* Finish: on a TTY the bar is replaced by a summary line when ok, or
 * cleared when not.  Safe to call once; progress_free does not draw. */
void progress_done(struct progress *p, int ok);

/* Accepts NULL. */
void progress_free(struct progress *p);

/* "812 B", "1.5 KiB", "12.3 MiB", "1.02 GiB" into out. */
void progress_fmt_bytes(uint64_t n, char *out, size_t len);

/* "0:07", "12:30", "1:02:03"; "--:--" for a negative or absurd value. */
void progress_fmt_eta(double secs, char *out, size_t len);

#endif
