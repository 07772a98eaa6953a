/* orchestrator/reach/term.c — the local terminal during an interactive session. */
#include "orchestrator/reach/term.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Signal handlers can only talk through globals. */
static volatile sig_atomic_t winch_seen;
static struct sigaction winch_old;
static int winch_active;

int term_raw_enter(struct term_raw *tr, int fd, struct herd_err *err)
{
	struct termios raw;

	if (tcgetattr(fd, &tr->saved) < 0)
		return herd_errno(err, HERD_E_IO, errno, "terminal settings");
	raw = tr->saved;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSADRAIN, &raw) < 0)
		return herd_errno(err, HERD_E_IO, errno, "terminal raw mode");
	tr->fd = fd;
	return 0;
}

void term_raw_leave(struct term_raw *tr)
{
	if (tr->fd < 0)
		return;
	/* Retry: a resize signal must not leave the user's terminal raw. */
	while (tcsetattr(tr->fd, TCSADRAIN, &tr->saved) < 0 && errno == EINTR)
		;
	tr->fd = -1;
}

int term_size(int fd, int *cols, int *rows)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0 || ws.ws_row == 0)
		return -1;
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return 0;
}

static void on_winch(int sig)
{
	(void)sig;
	winch_seen = 1;
}

int term_winch_watch(struct herd_err *err)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_winch;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGWINCH, &sa, &winch_old) < 0)
		return herd_errno(err, HERD_E_IO, errno, "watch window size");
	winch_seen = 0;
	winch_active = 1;
	return 0;
}

void term_winch_unwatch(void)
{
	if (!winch_active)
		return;
	sigaction(SIGWINCH, &winch_old, NULL);
	winch_active = 0;
}

int term_winch_pending(void)
{
	if (!winch_seen)
		return 0;
	winch_seen = 0;
	return 1;
}
