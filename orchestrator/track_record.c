#include "orchestrator/track_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/mem.h"

long track_record_stage(const char *state_dir, const char *vm, const char *stage)
{
	char *dir = xasprintf("%s/stages", state_dir);
	char *path = xasprintf("%s/%s", dir, vm);
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	char old[64] = "";
	long when = 0, now = (long)time(NULL);
	FILE *f;

	f = fopen(path, "r");
	if (f != NULL) {
		if (fscanf(f, "%63s %ld", old, &when) != 2)
			old[0] = '\0';
		fclose(f);
	}
	if (strcmp(old, stage) == 0 && when > 0)
		goto out;
	when = now;
	mkdir(state_dir, 0700);
	mkdir(dir, 0700);
	f = fopen(tmp, "w");
	if (f != NULL) {
		fprintf(f, "%s %ld\n", stage, when);
		if (fclose(f) != 0 || rename(tmp, path) != 0)
			remove(tmp);
	}
out:
	free(dir);
	free(path);
	free(tmp);
	return when;
}
