/* orchestrator/cli/progress.c — the download bar and its plain-line twin. */
#include "orchestrator/cli/progress.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "common/mem.h"

#define REDRAW_NS 100000000LL
#define PLAIN_EVERY_NS 10000000000LL

struct progress {
	FILE *f;
	char *label;
	int tty;
	int drawn;		/* a bar is on screen (tty) */
	int quarter;		/* last quarter printed (plain) */
	int finished;
	int64_t t0, t_draw;
	uint64_t bytes, total;
	double rate;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct progress *progress_new(FILE *f, const char *label, int tty)
{
	struct progress *p = xcalloc(1, sizeof *p);

	p->f = f;
	p->label = xstrdup(label);
	p->tty = tty;
	p->t0 = now_ns();
	return p;
}

void progress_free(struct progress *p)
{
	if (p == NULL)
		return;
	free(p->label);
	free(p);
}

void progress_fmt_bytes(uint64_t n, char *out, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(out, len, "%u B", (unsigned)n);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(out, len, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s",
		 v, units[u]);
}

void progress_fmt_eta(double secs, char *out, size_t len)
{
	long s;

	if (!(secs >= 0) || secs > 360000) {
		snprintf(out, len, "--:--");
		return;
	}
	s = (long)(secs + 0.5);
	if (s >= 3600)
		snprintf(out, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, len, "%ld:%02ld", s / 60, s % 60);
}

static int columns(FILE *f)
{
	struct winsize ws;

	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	return 80;
}

/* "  45%  115 MiB / 256 MiB  98.3 MiB/s  ETA 0:02" (the text after the bar). */
static void figures(const struct progress *p, char *out, size_t len)
{
	char b[24], t[24], r[24], eta[24];

	progress_fmt_bytes(p->bytes, b, sizeof b);
	progress_fmt_bytes((uint64_t)p->rate, r, sizeof r);
	if (p->total == 0) {
		snprintf(out, len, "%s  %s/s", b, r);
		return;
	}
	progress_fmt_bytes(p->total, t, sizeof t);
	progress_fmt_eta(p->rate > 0 ? (double)(p->total - (p->bytes < p->total ? p->bytes : p->total)) / p->rate : -1,
			 eta, sizeof eta);
	snprintf(out, len, "%3d%%  %s / %s  %s/s  ETA %s",
		 (int)(p->bytes * 100 / p->total), b, t, r, eta);
}

static void draw_bar(struct progress *p)
{
	char fig[128], bar[256];
	int cols = columns(p->f), width, fill, i;
	int lab = (int)strlen(p->label);

	figures(p, fig, sizeof fig);
	if (lab > cols / 3)
		lab = cols / 3;
	width = cols - lab - (int)strlen(fig) - 6;
	if (width > (int)sizeof bar - 1)
		width = (int)sizeof bar - 1;
	if (p->total == 0 || width < 10) {
		fprintf(p->f, "\r%.*s  %s\033[K", lab, p->label, fig);
	} else {
		fill = (int)((double)width * (double)p->bytes / (double)p->total);
		for (i = 0; i < width; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[width] = '\0';
		fprintf(p->f, "\r%.*s [%s] %s\033[K", lab, p->label, bar, fig);
	}
	fflush(p->f);
	p->drawn = 1;
}

static void plain_line(struct progress *p)
{
	char fig[128];

	figures(p, fig, sizeof fig);
	fprintf(p->f, "%s: %s\n", p->label, fig);
	fflush(p->f);
}

void progress_update(struct progress *p, uint64_t bytes, uint64_t total,
		     double rate)
{
	int64_t t = now_ns();
	int q;

	p->bytes = bytes;
	p->total = total;
	p->rate = rate;
	if (p->tty) {
		if (t - p->t_draw >= REDRAW_NS) {
			p->t_draw = t;
			draw_bar(p);
		}
		return;
	}
	q = total > 0 ? (int)(bytes * 4 / total) : 0;
	if ((total > 0 && q > p->quarter && q < 4) ||
	    (total == 0 && t - p->t_draw >= PLAIN_EVERY_NS)) {
		p->quarter = q;
		p->t_draw = t;
		plain_line(p);
	}
}

void progress_note(struct progress *p, const char *note)
{
	if (p->tty && p->drawn)
		fputs("\r\033[K", p->f);
	fprintf(p->f, "%s: %s\n", p->label, note);
	fflush(p->f);
	p->drawn = 0;
}

void progress_done(struct progress *p, int ok)
{
	double secs = (double)(now_ns() - p->t0) / 1e9;
	char b[24], r[24];

	if (p->finished)
		return;
	p->finished = 1;
	if (p->tty && p->drawn)
		fputs("\r\033[K", p->f);
	if (ok) {
		progress_fmt_bytes(p->bytes, b, sizeof b);
		progress_fmt_bytes(secs > 0 ? (uint64_t)((double)p->bytes / secs) : 0, r, sizeof r);
		fprintf(p->f, "%s: %s in %.1f s (%s/s)\n", p->label, b, secs, r);
	}
	fflush(p->f);
}
