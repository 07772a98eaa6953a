/* orchestrator/reach/term.h — the local terminal during an interactive session.
 *
 * Raw mode (so keys such as ^C and ^D reach the remote PTY instead of
 * acting locally), the window size, and a SIGWINCH flag so a resize can be
 * forwarded.  Used by sshc_interactive(); no libssh here.
 */
#ifndef HERD_TERM_H
#define HERD_TERM_H

#include <termios.h>

#include "common/err.h"

/* Saved terminal settings; embed by value, start with TERM_RAW_INIT. */
struct term_raw {
	int fd;			/* -1 while not in raw mode */
	struct termios saved;
};

#define TERM_RAW_INIT { -1, { 0 } }

/* Put the terminal on fd into raw mode, saving its settings in tr.
 * Returns 0, or -1 with err (HERD_E_IO: fd is not a terminal). */
int term_raw_enter(struct term_raw *tr, int fd, struct herd_err *err);

/* Restore the settings saved by term_raw_enter(); a no-op when tr is not
 * in raw mode, so it is safe on every exit path and to call twice. */
void term_raw_leave(struct term_raw *tr);

/* The window size of the terminal on fd.  Returns 0, or -1 when fd is not
 * a terminal or reports no size (cols/rows are then left untouched). */
int term_size(int fd, int *cols, int *rows);

/* Catch SIGWINCH (without SA_RESTART, so poll() wakes up with EINTR) until
 * term_winch_unwatch(), which restores the previous handler.  Not nested:
 * one interactive session per process at a time. */
int term_winch_watch(struct herd_err *err);
void term_winch_unwatch(void);

/* True (once) when the window changed since the last call. */
int term_winch_pending(void);

#endif
