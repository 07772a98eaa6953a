/* tests/unit/test_execpar.c — parallel exec over several targets of a real
 * sshd: whole prefixed lines, a bounded pool, and a summary of failures. */
#include "testutil.h"

#include "common/buf.h"
#include "orchestrator/reach/execpar.h"
#include "orchestrator/reach/sshc_net.h"
#include "sshd_fixture.h"

#define NGOOD 6
#define NLINES 300

static struct sshd_fx fx;

static const char *const names[NGOOD] = {
	"web-1", "web-2", "web-3", "db", "cache-long-name", "x",
};

static void good_targets(struct sshc_target *t)
{
	for (int i = 0; i < NGOOD; i++)
		t[i] = fx_target(&fx, names[i]);
}

/* The whole contents of f. */
static char *slurp(FILE *f)
{
	struct buf b;
	char data[4096];
	size_t n;

	buf_init(&b);
	rewind(f);
	while ((n = fread(data, 1, sizeof data, f)) > 0)
		buf_add(&b, data, n);
	return buf_take(&b, NULL);
}

/* Every line is "NAME: line K" for a known NAME, and each target's K run
 * 1..NLINES in order: lines were neither cut nor interleaved. */
static void check_prefixed(char *text)
{
	int next[NGOOD] = { 0 };
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		int i, k = -1, used = 0;

		for (i = 0; i < NGOOD; i++) {
			size_t len = strlen(names[i]);

			if (strncmp(line, names[i], len) == 0 && line[len] == ':')
				break;
		}
		assert_true(i < NGOOD);
		assert_int_equal(sscanf(line + strlen(names[i]), ": line %d%n", &k, &used), 1);
		assert_int_equal(line[strlen(names[i]) + (size_t)used], '\0');
		assert_int_equal(k, next[i] + 1);
		next[i] = k;
	}
	for (int i = 0; i < NGOOD; i++)
		assert_int_equal(next[i], NLINES);
}

static void test_prefixed_lines_and_status(void **state)
{
	struct sshc_target t[NGOOD];
	struct execpar_result r[NGOOD];
	FILE *out = tmpfile(), *err = tmpfile();
	struct execpar_opts o = { .jobs = 4, .timeout_ms = 10000, .out = out, .err = err };
	char cmd[160], *text;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	good_targets(t);
	/* Many short writes per target, from several targets at once. */
	snprintf(cmd, sizeof cmd,
		 "i=1; while [ $i -le %d ]; do echo \"line $i\"; echo \"line $i\" >&2; "
		 "i=$((i+1)); done; exit 3", NLINES);
	assert_int_equal(execpar_run(t, NGOOD, cmd, &o, r), NGOOD);
	for (int i = 0; i < NGOOD; i++) {
		assert_int_equal(r[i].fail, SSHC_OK);
		assert_int_equal(r[i].exit_status, 3);
	}
	text = slurp(out);
	check_prefixed(text);
	free(text);
	text = slurp(err);
	check_prefixed(text);
	free(text);
	fclose(out);
	fclose(err);
}

static void test_failure_summary(void **state)
{
	struct sshc_target t[NGOOD + 3];
	struct execpar_result r[NGOOD + 3];
	FILE *out = tmpfile();
	struct execpar_opts o = { .jobs = 3, .out = out, .err = out };
	struct buf sum;
	char why[64], want[256];

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	good_targets(t);
	t[NGOOD] = fx_target(&fx, "impostor");
	t[NGOOD].host_key = fx.other_pub;
	t[NGOOD + 1] = fx_target(&fx, "down");
	t[NGOOD + 1].port = fx_free_port();
	t[NGOOD + 2] = fx_target(&fx, "badkey");
	t[NGOOD + 2].key_path = fx.other_key;
	assert_int_equal(execpar_run(t, NGOOD + 3, "echo hi", &o, r), 3);
	for (int i = 0; i < NGOOD; i++)
		assert_true(execpar_ok(&r[i]));
	assert_int_equal(r[NGOOD].fail, SSHC_FAIL_HOSTKEY);
	assert_non_null(strstr(r[NGOOD].msg, "impostor"));
	assert_int_equal(r[NGOOD + 1].fail, SSHC_FAIL_REFUSED);
	assert_int_equal(r[NGOOD + 2].fail, SSHC_FAIL_AUTH);
	execpar_why(&r[NGOOD + 2], why, sizeof why);
	assert_string_equal(why, "auth failure");

	buf_init(&sum);
	execpar_summary(t, r, NGOOD + 3, &sum);
	snprintf(want, sizeof want,
		 "9 targets: 6 ok, 3 failed\n"
		 "  impostor  host key mismatch (%s port %d)\n"
		 "  down      connect refused (%s port %d)\n"
		 "  badkey    auth failure (%s port %d)\n",
		 t[NGOOD].host, t[NGOOD].port, t[NGOOD + 1].host, t[NGOOD + 1].port,
		 t[NGOOD + 2].host, t[NGOOD + 2].port);
	assert_string_equal(buf_str(&sum), want);
	buf_release(&sum);
	fclose(out);
}

static void test_exit_codes_and_signal(void **state)
{
	struct sshc_target t[2];
	struct execpar_result r[2];
	FILE *out = tmpfile();
	struct execpar_opts o = { .jobs = 2, .out = out, .err = out };
	struct buf sum;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	t[0] = fx_target(&fx, "a");
	t[1] = fx_target(&fx, "b");
	assert_int_equal(execpar_run(t, 2, "kill -KILL $$", &o, r), 2);
	buf_init(&sum);
	execpar_summary(t, r, 2, &sum);
	assert_string_equal(buf_str(&sum), "2 targets: 0 ok, 2 failed\n"
			    "  a  killed by signal KILL\n  b  killed by signal KILL\n");
	buf_reset(&sum);
	assert_int_equal(execpar_run(t, 2, "true", &o, r), 0);
	execpar_summary(t, r, 2, &sum);
	assert_string_equal(buf_str(&sum), "2 targets: 2 ok, 0 failed\n");
	buf_release(&sum);
	fclose(out);
}

/* -j bounds the pool: 4 targets sleeping 1 s take >= 2 s with -j 2 and
 * well under the sequential 4 s with -j 4. */
static void test_pool_bound(void **state)
{
	struct sshc_target t[4];
	struct execpar_result r[4];
	FILE *out = tmpfile();
	struct execpar_opts o = { .jobs = 2, .out = out, .err = out };
	long long start, took;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	for (int i = 0; i < 4; i++)
		t[i] = fx_target(&fx, names[i]);
	start = sshc_net_now_ms();
	assert_int_equal(execpar_run(t, 4, "sleep 1", &o, r), 0);
	took = sshc_net_now_ms() - start;
	assert_true(took >= 2000);
	o.jobs = 4;
	start = sshc_net_now_ms();
	assert_int_equal(execpar_run(t, 4, "sleep 1", &o, r), 0);
	took = sshc_net_now_ms() - start;
	assert_true(took >= 1000 && took < 3500);
	fclose(out);
}

static int group_setup(void **state)
{
	(void)state;
	fx_setup(&fx);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fx_teardown(&fx);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixed_lines_and_status),
		cmocka_unit_test(test_failure_summary),
		cmocka_unit_test(test_exit_codes_and_signal),
		cmocka_unit_test(test_pool_bound),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
