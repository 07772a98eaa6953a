/* tests/unit/test_sshc.c — the SSH client against a real OpenSSH server. */
#include "testutil.h"

#include <time.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "common/buf.h"
#include "orchestrator/reach/sshc.h"
#include "orchestrator/reach/sshc_net.h"
#include "sshd_fixture.h"

static struct sshd_fx fx;

/* Lines a command printed, "1:" prefixed for stderr, one per line. */
struct collected {
	struct buf text;
	struct buf out;		/* stdout lines only */
	size_t longest;
};

static void collect(void *ud, int is_stderr, const char *line, size_t len)
{
	struct collected *c = ud;

	buf_adds(&c->text, is_stderr ? "2:" : "1:");
	buf_add(&c->text, line, len);
	buf_addc(&c->text, '\n');
	if (!is_stderr) {
		buf_add(&c->out, line, len);
		buf_addc(&c->out, '\n');
	}
	if (len > c->longest)
		c->longest = len;
}

static void test_exec_output_and_status(void **state)
{
	struct sshc_target t = fx_target(&fx, "vm1");
	struct herd_err err = HERD_ERR_INIT;
	struct collected c = { .longest = 0 };
	enum sshc_fail why = SSHC_FAIL_CONFIG;
	struct sshc_exit ex;
	struct sshc *s;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	buf_init(&c.text);
	buf_init(&c.out);
	s = sshc_connect(&t, 5000, &why, &err);
	assert_non_null(s);
	assert_int_equal(why, SSHC_OK);
	assert_int_equal(sshc_exec(s, "echo out1; echo err1 >&2; echo out2; "
				   "printf tail; exit 3", collect, &c, &ex, &err), 0);
	assert_int_equal(ex.status, 3);
	assert_string_equal(ex.signal, "");
	/* stdout lines keep their order; stderr is a separate stream. */
	assert_string_equal(buf_str(&c.out), "out1\nout2\ntail\n");
	assert_non_null(strstr(buf_str(&c.text), "2:err1\n"));
	/* The same connection runs a second command. */
	buf_reset(&c.text);
	buf_reset(&c.out);
	assert_int_equal(sshc_exec(s, "read x; echo \"got[$x]\"", collect, &c, &ex, &err), 0);
	assert_int_equal(ex.status, 0);
	assert_string_equal(buf_str(&c.text), "1:got[]\n");
	sshc_free(s);
	buf_release(&c.text);
	buf_release(&c.out);
}

static void test_exec_signal_and_long_line(void **state)
{
	struct sshc_target t = fx_target(&fx, "vm1");
	struct herd_err err = HERD_ERR_INIT;
	struct collected c = { .longest = 0 };
	struct sshc_exit ex;
	struct sshc *s;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	buf_init(&c.text);
	buf_init(&c.out);
	s = sshc_connect(&t, 5000, NULL, &err);
	assert_non_null(s);
	assert_int_equal(sshc_exec(s, "kill -TERM $$", collect, &c, &ex, &err), 0);
	assert_int_equal(ex.status, -1);
	assert_string_equal(ex.signal, "TERM");
	/* A 70000-byte line arrives in 64 KiB pieces, nothing lost. */
	assert_int_equal(sshc_exec(s, "head -c 70000 /dev/zero | tr '\\0' a; echo",
				   collect, &c, &ex, &err), 0);
	assert_int_equal(ex.status, 0);
	assert_int_equal(c.longest, 65536);
	assert_int_equal(c.text.len, 70000 + 2 * 3);
	sshc_free(s);
	buf_release(&c.text);
	buf_release(&c.out);
}

static void test_known_hosts_file(void **state)
{
	struct sshc_target t = fx_target(&fx, "vm1");
	struct herd_err err = HERD_ERR_INIT;
	enum sshc_fail why;
	char path[160];
	struct sshc *s;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	t.host_key = NULL;
	t.known_hosts = fx.known_hosts;
	s = sshc_connect(&t, 5000, &why, &err);
	assert_non_null(s);
	sshc_free(s);

	/* The right host on another port is not this host: refused, no TOFU. */
	fx_known_hosts(&fx, "kh-other-port", fx.port + 1, fx.host_key_pub, path, sizeof path);
	t.known_hosts = path;
	assert_null(sshc_connect(&t, 5000, &why, &err));
	assert_int_equal(why, SSHC_FAIL_HOSTKEY_UNKNOWN);
	assert_non_null(strstr(err.msg, "host key unknown"));

	/* A different key recorded for this host: an impostor. */
	fx_known_hosts(&fx, "kh-wrong", fx.port, fx.other_pub, path, sizeof path);
	assert_null(sshc_connect(&t, 5000, &why, &err));
	assert_int_equal(why, SSHC_FAIL_HOSTKEY);
	assert_non_null(strstr(err.msg, "impostor"));
}

static void test_wrong_host_key(void **state)
{
	struct sshc_target t = fx_target(&fx, "vm1");
	struct herd_err err = HERD_ERR_INIT;
	enum sshc_fail why = SSHC_OK;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	t.host_key = fx.other_pub;
	assert_null(sshc_connect(&t, 5000, &why, &err));
	assert_int_equal(why, SSHC_FAIL_HOSTKEY);
	assert_int_equal(err.code, HERD_E_SSH);
	assert_non_null(strstr(err.msg, "vm1 (127.0.0.1:"));
	assert_non_null(strstr(err.msg, "host key does not match"));
	assert_non_null(strstr(err.msg, "impostor"));
	assert_non_null(strstr(err.msg, "SHA256:"));
	assert_string_equal(sshc_fail_str(why), "host key mismatch");

	t.host_key = "ssh-ed25519 not-base64!";
	assert_null(sshc_connect(&t, 5000, &why, &err));
	assert_int_equal(why, SSHC_FAIL_CONFIG);
}

static void test_wrong_client_key(void **state)
{
	struct sshc_target t = fx_target(&fx, "vm1");
	struct herd_err err = HERD_ERR_INIT;
	enum sshc_fail why = SSHC_OK;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	t.key_path = fx.other_key;
	assert_null(sshc_connect(&t, 5000, &why, &err));
	assert_int_equal(why, SSHC_FAIL_AUTH);
	assert_non_null(strstr(err.msg, "auth failure"));

	t.key_path = "/nonexistent/key";
	assert_null(sshc_connect(&t, 5000, &why, &err));
	assert_int_equal(why, SSHC_FAIL_CONFIG);
	assert_non_null(strstr(err.msg, "/nonexistent/key"));
}

static void test_refused_and_incomplete(void **state)
{
	struct sshc_target t = fx_target(&fx, "vm1");
	struct herd_err err = HERD_ERR_INIT;
	enum sshc_fail why = SSHC_OK;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	t.port = fx_free_port();
	assert_null(sshc_connect(&t, 5000, &why, &err));
	assert_int_equal(why, SSHC_FAIL_REFUSED);
	assert_int_equal(err.sys_errno, ECONNREFUSED);

	t = fx_target(&fx, "vm1");
	t.host_key = NULL;
	assert_null(sshc_connect(&t, 5000, &why, &err));
	assert_int_equal(why, SSHC_FAIL_CONFIG);
	assert_non_null(strstr(err.msg, "no known_hosts file or host key"));
}

/* A server that starts listening ~2 s late is still reached in time. */
static void test_wait_slow_server(void **state)
{
	struct sshc_target t = fx_target(&fx, "late");
	struct herd_err err = HERD_ERR_INIT;
	struct collected c = { .longest = 0 };
	enum sshc_fail why;
	struct sshc_exit ex;
	long long start, took;
	struct sshc *s;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	buf_init(&c.text);
	buf_init(&c.out);
	t.port = fx_free_port();
	assert_true(fx_start_sshd(&fx, t.port, 2000) > 0);
	start = sshc_net_now_ms();
	s = sshc_wait(&t, 20000, &why, &err);
	took = sshc_net_now_ms() - start;
	assert_non_null(s);
	assert_int_equal(why, SSHC_OK);
	assert_true(took >= 1800);
	assert_true(took < 20000);
	assert_int_equal(sshc_exec(s, "echo ready", collect, &c, &ex, &err), 0);
	assert_string_equal(buf_str(&c.text), "1:ready\n");
	sshc_free(s);
	buf_release(&c.text);
	buf_release(&c.out);
}

static void test_wait_gives_up(void **state)
{
	struct sshc_target t = fx_target(&fx, "never");
	struct herd_err err = HERD_ERR_INIT;
	enum sshc_fail why = SSHC_OK;
	long long start, took;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	t.port = fx_free_port();
	start = sshc_net_now_ms();
	assert_null(sshc_wait(&t, 1200, &why, &err));
	took = sshc_net_now_ms() - start;
	assert_int_equal(why, SSHC_FAIL_REFUSED);
	assert_true(took >= 1150 && took < 4000);
	assert_non_null(strstr(err.msg, "not ready over ssh after"));

	/* A host key mismatch is not waited out. */
	t = fx_target(&fx, "vm1");
	t.host_key = fx.other_pub;
	start = sshc_net_now_ms();
	assert_null(sshc_wait(&t, 10000, &why, &err));
	assert_int_equal(why, SSHC_FAIL_HOSTKEY);
	assert_true(sshc_net_now_ms() - start < 5000);
}

static void test_probe_banner(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	char banner[256];

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	assert_int_equal(sshc_net_probe_banner("127.0.0.1", fx.port, 3000, banner,
					   sizeof banner, &err), 0);
	assert_memory_equal(banner, "SSH-2.0-OpenSSH", 15);
	assert_int_equal(sshc_net_probe_banner("127.0.0.1", fx_free_port(), 600, banner,
					   sizeof banner, &err), -1);
	assert_int_equal(err.sys_errno, ECONNREFUSED);
}

/* Child side of the PTY test: stdin/stdout are a terminal (forkpty). */
static int pty_child(void)
{
	struct sshc_target t = fx_target(&fx, "vm1");
	struct herd_err err = HERD_ERR_INIT;
	struct termios before, after;
	struct sshc_exit ex;
	struct sshc *s;
	int rc;

	tcgetattr(STDIN_FILENO, &before);
	s = sshc_connect(&t, 5000, NULL, &err);
	if (s == NULL)
		return 90;
	rc = sshc_interactive(s, "stty size; read x; stty size; exit 7", 1, &ex, &err);
	sshc_free(s);
	tcgetattr(STDIN_FILENO, &after);
	if (rc < 0)
		return 91;
	/* The terminal must be back in cooked mode. */
	if (before.c_lflag != after.c_lflag || before.c_iflag != after.c_iflag ||
	    before.c_oflag != after.c_oflag)
		return 92;
	return ex.status;
}

/* Read from the pty master until `want` shows up (or 10 s pass). */
static int pty_expect(int fd, struct buf *seen, const char *want)
{
	char data[512];
	ssize_t n;

	for (int i = 0; i < 200 && strstr(buf_str(seen), want) == NULL; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = read(fd, data, sizeof data);
		if (n <= 0)
			break;
		buf_add(seen, data, (size_t)n);
	}
	return strstr(buf_str(seen), want) != NULL;
}

static void test_interactive_pty(void **state)
{
	struct winsize ws = { .ws_row = 33, .ws_col = 111 };
	struct buf seen;
	int master = -1, status = 0;
	pid_t pid;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	buf_init(&seen);
	pid = forkpty(&master, NULL, NULL, &ws);
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(pty_child());
	assert_true(pty_expect(master, &seen, "33 111"));
	/* Resize: the kernel signals the child, which must tell the server. */
	ws.ws_row = 40;
	ws.ws_col = 132;
	assert_int_equal(ioctl(master, TIOCSWINSZ, &ws), 0);
	fx_sleep_ms(400);
	assert_true(write(master, "go\r", 3) == 3);
	assert_true(pty_expect(master, &seen, "40 132"));
	pty_expect(master, &seen, "\x01never");	/* drain until EOF */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(master);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 7);
	buf_release(&seen);
}

static int count_fds(void)
{
	char path[64];
	int n = 0;

	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

static int polls_left(void *ud)
{
	int *n = ud;

	return --*n <= 0;
}

/* A command that never ends (as on a guest that died mid-command) is
 * abandoned when the caller's cancel hook says so. */
static void test_exec_cancel(void **state)
{
	struct sshc_target t = fx_target(&fx, "vm1");
	struct herd_err err = HERD_ERR_INIT;
	struct sshc_exit ex;
	struct timespec a, b;
	struct sshc *s;
	int polls = 5;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	s = sshc_connect(&t, 5000, NULL, &err);
	assert_non_null(s);
	sshc_set_cancel(s, polls_left, &polls);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(sshc_exec(s, "sleep 30", NULL, NULL, &ex, &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_non_null(strstr(err.msg, "cancelled"));
	assert_true(b.tv_sec - a.tv_sec < 10);
	assert_true(polls <= 0);
	sshc_free(s);
}

/* Every path through sshc_connect() gives its socket back. */
static void test_no_fd_leak(void **state)
{
	struct sshc_target t = fx_target(&fx, "vm1");
	struct herd_err err = HERD_ERR_INIT;
	int before;

	(void)state;
	FX_SKIP_IF_NEEDED(&fx);
	before = count_fds();
	sshc_free(sshc_connect(&t, 5000, NULL, &err));
	t.host_key = fx.other_pub;
	assert_null(sshc_connect(&t, 5000, NULL, &err));
	t = fx_target(&fx, "vm1");
	t.key_path = fx.other_key;
	assert_null(sshc_connect(&t, 5000, NULL, &err));
	t.port = fx_free_port();
	assert_null(sshc_connect(&t, 5000, NULL, &err));
	assert_int_equal(count_fds(), before);
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
		cmocka_unit_test(test_exec_output_and_status),
		cmocka_unit_test(test_exec_signal_and_long_line),
		cmocka_unit_test(test_known_hosts_file),
		cmocka_unit_test(test_wrong_host_key),
		cmocka_unit_test(test_wrong_client_key),
		cmocka_unit_test(test_refused_and_incomplete),
		cmocka_unit_test(test_wait_slow_server),
		cmocka_unit_test(test_wait_gives_up),
		cmocka_unit_test(test_probe_banner),
		cmocka_unit_test(test_interactive_pty),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_exec_cancel),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
