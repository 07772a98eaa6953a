/* orchestrator/run/track_record.c — per-VM stage times in the state folder. */
#include "orchestrator/run/track_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/mem.h"

/* More lines than there are stages: a damaged record is only read so far. */
#define RECORD_MAX_LINES 16

static char *record_path(const char *state_dir, const char *vm)
{
	return xasprintf("%s/stages/%s", state_dir, vm);
}

/* Replace path with text, atomically (a reader never sees half a file). */
static void write_record(const char *state_dir, const char *path, const char *text)
{
	char *dir = xasprintf("%s/stages", state_dir);
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	FILE *f;

	mkdir(state_dir, 0700);
	mkdir(dir, 0700);
	f = fopen(tmp, "w");
	if (f != NULL) {
		fputs(text, f);
		if (fclose(f) != 0 || rename(tmp, path) != 0)
			remove(tmp);
	}
	free(dir);
	free(tmp);
}

long track_record_stage(const char *state_dir, const char *vm, const char *stage)
{
	char *path = record_path(state_dir, vm);
	char word[64], line[160];
	long when = 0, t;
	struct buf keep;
	FILE *f;
	int n = 0;

	buf_init(&keep);
	f = fopen(path, "r");
	while (f != NULL && n++ < RECORD_MAX_LINES && fgets(line, sizeof line, f)) {
		if (sscanf(line, "%63s %ld", word, &t) != 2 || t <= 0)
			continue;
		if (strcmp(word, stage) == 0) {
			when = t;
			break;
		}
		buf_addf(&keep, "%s %ld\n", word, t);
	}
	if (f != NULL)
		fclose(f);
	if (when == 0) {
		when = (long)time(NULL);
		buf_addf(&keep, "%s %ld\n", stage, when);
		write_record(state_dir, path, buf_str(&keep));
	}
	buf_release(&keep);
	free(path);
	return when;
}

void track_record_clear(const char *state_dir, const char *vm)
{
	char *path = record_path(state_dir, vm);

	remove(path);
	free(path);
}
