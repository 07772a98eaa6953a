/* orchestrator/reach/sshc.c — herd's SSH client: the only user of libssh sessions. */
#include "orchestrator/reach/sshc.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include "common/mem.h"
#include "orchestrator/reach/linesplit.h"
#include "orchestrator/reach/sshc_net.h"
#include "orchestrator/reach/term.h"

#define DEFAULT_TIMEOUT_MS 10000
#define LINE_MAX_BYTES (64 * 1024)
/* Poll slice of the session loop: bounds how late a resize is noticed
 * when SIGWINCH lands between the flag check and poll(). */
#define PUMP_POLL_MS 200

struct sshc {
	ssh_session session;
	char *what;		/* "NAME (HOST:PORT)", the prefix of messages */
	int fd;			/* our TCP socket, -1 before the connect */
	dev_t fd_dev;		/* its identity, see sock_release() */
	ino_t fd_ino;
	int (*cancelled)(void *ud);	/* sshc_set_cancel() */
	void *cancel_ud;
};

static const char *const fail_str[] = {
	[SSHC_OK] = "ok",
	[SSHC_FAIL_CONFIG] = "bad target",
	[SSHC_FAIL_REFUSED] = "connect refused",
	[SSHC_FAIL_UNREACHABLE] = "unreachable",
	[SSHC_FAIL_TIMEOUT] = "timed out",
	[SSHC_FAIL_PROTOCOL] = "ssh handshake failed",
	[SSHC_FAIL_HOSTKEY] = "host key mismatch",
	[SSHC_FAIL_HOSTKEY_UNKNOWN] = "host key unknown",
	[SSHC_FAIL_AUTH] = "auth failure",
	[SSHC_FAIL_SESSION] = "session failed",
};

const char *sshc_fail_str(enum sshc_fail why)
{
	if ((unsigned)why >= sizeof fail_str / sizeof fail_str[0])
		return "unknown failure";
	return fail_str[why];
}

static int target_port(const struct sshc_target *t)
{
	return t->port > 0 ? t->port : 22;
}

/* ---- host key ---------------------------------------------------------- */

/* "SHA256:..." for key, in a new string, or NULL. */
static char *key_fingerprint(ssh_key key)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp, *out;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) < 0)
		return NULL;
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	if (fp == NULL)
		return NULL;
	out = xstrdup(fp);
	ssh_string_free_char(fp);
	return out;
}

/* Parse "TYPE BASE64 [comment]" into a key; NULL with err. */
static ssh_key parse_expected_key(const char *what, const char *text,
				  struct herd_err *err)
{
	char *copy = xstrdup(text), *save = NULL, *type, *b64;
	ssh_key key = NULL;

	type = strtok_r(copy, " \t\r\n", &save);
	b64 = strtok_r(NULL, " \t\r\n", &save);
	if (type == NULL || b64 == NULL ||
	    ssh_key_type_from_name(type) == SSH_KEYTYPE_UNKNOWN ||
	    ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(type), &key) != SSH_OK) {
		herd_errf(err, HERD_E_CONFIG, "%s: expected host key is not a public key "
			  "(want \"ssh-ed25519 AAAA...\")", what);
		key = NULL;
	}
	free(copy);
	return key;
}

static int hostkey_mismatch(struct sshc *s, ssh_key srv, enum sshc_fail *why,
			    struct herd_err *err)
{
	char *fp = key_fingerprint(srv);

	*why = SSHC_FAIL_HOSTKEY;
	herd_errf(err, HERD_E_SSH, "%s: host key does not match the expected key "
		  "(server offered %s %s): it may be an impostor, refusing to "
		  "connect (if the vm was recreated, re-apply to refresh its key)",
		  s->what, ssh_key_type_to_char(ssh_key_type(srv)), fp ? fp : "?");
	free(fp);
	return -1;
}

/* Compare the server's key with the expected one or the known_hosts file.
 * There is deliberately no trust on first use: unknown is refused. */
static int verify_host_key(struct sshc *s, const struct sshc_target *t,
			   enum sshc_fail *why, struct herd_err *err)
{
	ssh_key srv = NULL, want = NULL;
	enum ssh_known_hosts_e kh;
	int rc = -1;

	if (ssh_get_server_publickey(s->session, &srv) != SSH_OK) {
		*why = SSHC_FAIL_PROTOCOL;
		return herd_errf(err, HERD_E_SSH, "%s: no host key from the server: %s",
				 s->what, ssh_get_error(s->session));
	}
	if (t->host_key != NULL) {
		want = parse_expected_key(s->what, t->host_key, err);
		if (want == NULL)
			*why = SSHC_FAIL_CONFIG;
		else if (ssh_key_cmp(srv, want, SSH_KEY_CMP_PUBLIC) != 0)
			hostkey_mismatch(s, srv, why, err);
		else
			rc = 0;
		goto out;
	}
	kh = ssh_session_is_known_server(s->session);
	if (kh == SSH_KNOWN_HOSTS_OK) {
		rc = 0;
	} else if (kh == SSH_KNOWN_HOSTS_CHANGED || kh == SSH_KNOWN_HOSTS_OTHER) {
		hostkey_mismatch(s, srv, why, err);
	} else if (kh == SSH_KNOWN_HOSTS_UNKNOWN || kh == SSH_KNOWN_HOSTS_NOT_FOUND) {
		*why = SSHC_FAIL_HOSTKEY_UNKNOWN;
		herd_errf(err, HERD_E_SSH, "%s: host key unknown: %s has no entry for "
			  "this host, refusing to connect (herd does not trust on "
			  "first use)", s->what, t->known_hosts);
	} else {
		*why = SSHC_FAIL_CONFIG;
		herd_errf(err, HERD_E_SSH, "%s: check host key in %s: %s", s->what,
			  t->known_hosts, ssh_get_error(s->session));
	}
out:
	ssh_key_free(want);
	ssh_key_free(srv);
	return rc;
}

/* ---- connect and log in ------------------------------------------------ */

/* Host key algorithms to ask for, so the server shows the key we expect
 * (a server with several host keys would otherwise offer its favourite). */
static const char *hostkey_algos(const char *expected)
{
	if (strncmp(expected, "ssh-rsa", 7) == 0)
		return "rsa-sha2-512,rsa-sha2-256";
	return NULL;
}

static int set_options(struct sshc *s, const struct sshc_target *t, int fd,
		       int timeout_ms)
{
	ssh_session ss = s->session;
	int port = target_port(t), no = 0;
	long secs = timeout_ms / 1000, usecs = (timeout_ms % 1000) * 1000L;
	socket_t sock = fd;
	char algo[64];
	const char *kh = t->known_hosts ? t->known_hosts : "/dev/null";

	/* Nothing from ~/.ssh/config or /etc/ssh: herd's view is the fleet's. */
	if (ssh_options_set(ss, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_HOST, t->host) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_PORT, &port) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_USER, t->user) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_TIMEOUT, &secs) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_TIMEOUT_USEC, &usecs) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_KNOWNHOSTS, kh) < 0 ||
	    ssh_options_set(ss, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0)
		return -1;
	if (t->host_key != NULL) {
		const char *a = hostkey_algos(t->host_key);

		if (a == NULL) {
			sscanf(t->host_key, "%63s", algo);
			a = algo;
		}
		if (ssh_options_set(ss, SSH_OPTIONS_HOSTKEYS, a) < 0)
			return -1;
	}
	return ssh_options_set(ss, SSH_OPTIONS_FD, &sock);
}

static int login(struct sshc *s, const struct sshc_target *t,
		 enum sshc_fail *why, struct herd_err *err)
{
	ssh_key key = NULL;
	int rc;

	if (access(t->key_path, R_OK) < 0) {
		*why = SSHC_FAIL_CONFIG;
		return herd_errno(err, HERD_E_SSH, errno, "%s: private key %s",
				  s->what, t->key_path);
	}
	if (ssh_pki_import_privkey_file(t->key_path, NULL, NULL, NULL, &key) != SSH_OK) {
		*why = SSHC_FAIL_CONFIG;
		return herd_errf(err, HERD_E_SSH, "%s: private key %s: not a key "
				 "herd can read (unencrypted openssh format expected)",
				 s->what, t->key_path);
	}
	rc = ssh_userauth_publickey(s->session, NULL, key);
	ssh_key_free(key);
	if (rc == SSH_AUTH_SUCCESS)
		return 0;
	if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL) {
		*why = SSHC_FAIL_AUTH;
		return herd_errf(err, HERD_E_SSH, "%s: auth failure: the server refused "
				 "key %s for user '%s'", s->what, t->key_path, t->user);
	}
	*why = SSHC_FAIL_PROTOCOL;
	return herd_errf(err, HERD_E_SSH, "%s: key login: %s", s->what,
			 ssh_get_error(s->session));
}

static enum sshc_fail classify_net(int e)
{
	if (e == ECONNREFUSED)
		return SSHC_FAIL_REFUSED;
	if (e == ETIMEDOUT)
		return SSHC_FAIL_TIMEOUT;
	return SSHC_FAIL_UNREACHABLE;
}

static bool target_ok(const struct sshc_target *t, struct herd_err *err)
{
	const char *name = t->name ? t->name : "?";

	if (t->host == NULL || t->user == NULL || t->key_path == NULL) {
		herd_errf(err, HERD_E_CONFIG, "%s: ssh target needs a host, a user "
			  "and a key", name);
		return false;
	}
	if (t->known_hosts == NULL && t->host_key == NULL) {
		herd_errf(err, HERD_E_CONFIG, "%s: no known_hosts file or host key to "
			  "verify the server with", name);
		return false;
	}
	return true;
}

static struct sshc *sshc_new(const struct sshc_target *t)
{
	struct sshc *s = xcalloc(1, sizeof *s);

	s->what = xasprintf("%s (%s:%d)", t->name ? t->name : t->host, t->host,
			    target_port(t));
	s->fd = -1;
	s->session = ssh_new();
	if (s->session == NULL)
		abort();	/* only fails on allocation: herd's OOM policy */
	return s;
}

/* Keep the socket handed to libssh (SSH_OPTIONS_FD) so sshc_free() can
 * close it: libssh 0.10 leaves such a socket open on disconnect and free,
 * but closes it itself when ssh_connect() fails on a dropped connection. */
static void sock_keep(struct sshc *s, int fd)
{
	struct stat st;

	s->fd = fd;
	if (fstat(fd, &st) == 0) {
		s->fd_dev = st.st_dev;
		s->fd_ino = st.st_ino;
	}
}

/* Close our socket unless libssh already did.  The number alone cannot
 * tell (another thread may have reused it at once); the socket's inode
 * can, as the kernel numbers sockets from a counter. */
static void sock_release(struct sshc *s)
{
	struct stat st;

	if (s->fd >= 0 && fstat(s->fd, &st) == 0 && st.st_dev == s->fd_dev &&
	    st.st_ino == s->fd_ino)
		close(s->fd);
	s->fd = -1;
}

struct sshc *sshc_connect(const struct sshc_target *t, int timeout_ms,
			  enum sshc_fail *why, struct herd_err *err)
{
	struct herd_err tmp = HERD_ERR_INIT;
	enum sshc_fail dummy;
	struct sshc *s = NULL;
	int fd;

	/* err->sys_errno classifies a failed connect, so always have one. */
	err = err ? err : &tmp;
	why = why ? why : &dummy;
	*why = SSHC_FAIL_CONFIG;
	if (!target_ok(t, err))
		return NULL;
	timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
	s = sshc_new(t);
	fd = sshc_net_connect(t->host, target_port(t), timeout_ms, err);
	if (fd < 0) {
		*why = classify_net(err->sys_errno);
		herd_errctx(err, "%s", t->name ? t->name : t->host);
		goto fail;
	}
	sock_keep(s, fd);
	if (set_options(s, t, fd, timeout_ms) < 0) {
		herd_errf(err, HERD_E_SSH, "%s: ssh options: %s", s->what,
			  ssh_get_error(s->session));
		goto fail;
	}
	if (ssh_connect(s->session) != SSH_OK) {
		const char *e = ssh_get_error(s->session);

		*why = strstr(e, "Timeout") ? SSHC_FAIL_TIMEOUT : SSHC_FAIL_PROTOCOL;
		herd_errf(err, HERD_E_SSH, "%s: ssh handshake: %s", s->what, e);
		goto fail;
	}
	if (verify_host_key(s, t, why, err) < 0 || login(s, t, why, err) < 0)
		goto fail;
	*why = SSHC_OK;
	return s;
fail:
	sshc_free(s);
	return NULL;
}

void sshc_free(struct sshc *s)
{
	if (s == NULL)
		return;
	if (s->session != NULL) {
		ssh_disconnect(s->session);
		ssh_free(s->session);
	}
	sock_release(s);
	free(s->what);
	free(s);
}

/* ---- waiting for a server that is coming up ---------------------------- */

static bool retryable(enum sshc_fail why)
{
	return why == SSHC_FAIL_REFUSED || why == SSHC_FAIL_UNREACHABLE ||
	       why == SSHC_FAIL_TIMEOUT || why == SSHC_FAIL_PROTOCOL ||
	       why == SSHC_FAIL_AUTH;
}

struct sshc *sshc_wait(const struct sshc_target *t, int timeout_ms,
		       enum sshc_fail *why, struct herd_err *err)
{
	long long start = sshc_net_now_ms(), deadline = start + timeout_ms;
	enum sshc_fail dummy;
	int delay = SSHC_NET_BACKOFF_MIN_MS;
	struct sshc *s;
	long long left;

	why = why ? why : &dummy;
	for (;;) {
		left = deadline - sshc_net_now_ms();
		s = sshc_connect(t, left < DEFAULT_TIMEOUT_MS ? (int)(left > 0 ? left : 1)
				 : DEFAULT_TIMEOUT_MS, why, err);
		if (s != NULL || !retryable(*why))
			return s;
		left = deadline - sshc_net_now_ms();
		if (left <= 0)
			break;
		sshc_net_sleep_ms(delay < left ? delay : (int)left);
		delay = sshc_net_backoff(delay);
	}
	herd_errctx(err, "not ready over ssh after %.1f s",
		    (double)(sshc_net_now_ms() - start) / 1000.0);
	return NULL;
}

/* ---- running commands -------------------------------------------------- */

/* Where channel output goes: a function of (ud, is_stderr, bytes). */
typedef int (*pump_sink)(void *ud, int is_stderr, const char *p, size_t n);

struct chan_state {
	char signal[16];	/* set by the exit-signal callback */
};

static void on_exit_signal(ssh_session session, ssh_channel channel,
			   const char *signal, int core, const char *errmsg,
			   const char *lang, void *userdata)
{
	struct chan_state *cs = userdata;

	(void)session; (void)channel; (void)core; (void)errmsg; (void)lang;
	snprintf(cs->signal, sizeof cs->signal, "%s", signal ? signal : "?");
}

/* Move whatever the channel has buffered to the sink; -1 with err. */
static int pump_drain(struct sshc *s, ssh_channel ch, pump_sink sink, void *ud,
		      struct herd_err *err)
{
	char data[16384];
	int n;

	for (int is_stderr = 0; is_stderr <= 1; is_stderr++) {
		while ((n = ssh_channel_read_nonblocking(ch, data, sizeof data,
							 is_stderr)) > 0)
			if (sink(ud, is_stderr, data, (size_t)n) < 0)
				return herd_errno(err, HERD_E_IO, errno, "%s: write output",
						  s->what);
		if (n < 0 && n != SSH_EOF)
			return herd_errf(err, HERD_E_SSH, "%s: read: %s", s->what,
					 ssh_get_error(s->session));
	}
	return 0;
}

/* Forward what stdin (*in_fd) has to the channel; EOF is passed on and
 * closes *in_fd for the loop. */
static int pump_stdin(struct sshc *s, ssh_channel ch, int *in_fd,
		      struct herd_err *err)
{
	char data[4096];
	ssize_t n = read(*in_fd, data, sizeof data);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		*in_fd = -1;
		ssh_channel_send_eof(ch);
		return 0;
	}
	if (ssh_channel_write(ch, data, (uint32_t)n) != n)
		return herd_errf(err, HERD_E_SSH, "%s: write: %s", s->what,
				 ssh_get_error(s->session));
	return 0;
}

static void pump_winch(ssh_channel ch)
{
	int cols, rows;

	if (term_winch_pending() && term_size(STDIN_FILENO, &cols, &rows) == 0)
		ssh_channel_change_pty_size(ch, cols, rows);
}

/* The session loop: channel output to sink, in_fd (or -1) to the channel,
 * until the remote side sends EOF or closes. */
static int pump_run(struct sshc *s, ssh_channel ch, int in_fd, bool pty,
		    pump_sink sink, void *ud, struct herd_err *err)
{
	struct pollfd pfd[2];
	int r;

	for (;;) {
		if (pump_drain(s, ch, sink, ud, err) < 0)
			return -1;
		if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch))
			return 0;
		if (s->cancelled != NULL && s->cancelled(s->cancel_ud))
			return herd_errf(err, HERD_E_SSH, "%s: cancelled", s->what);
		if (pty)
			pump_winch(ch);
		pfd[0] = (struct pollfd){ .fd = ssh_get_fd(s->session), .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = in_fd, .events = POLLIN };
		r = poll(pfd, in_fd >= 0 ? 2 : 1, PUMP_POLL_MS);
		if (r < 0 && errno != EINTR)
			return herd_errno(err, HERD_E_IO, errno, "%s: poll", s->what);
		if (r > 0 && in_fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    pump_stdin(s, ch, &in_fd, err) < 0)
			return -1;
	}
}

void sshc_set_cancel(struct sshc *s, int (*cancelled)(void *ud), void *ud)
{
	s->cancelled = cancelled;
	s->cancel_ud = ud;
}

/* Wait for the exit status after the output ended. */
static void finish_exit(ssh_channel ch, const struct chan_state *cs,
			struct sshc_exit *ex)
{
	ex->status = ssh_channel_get_exit_status(ch);
	snprintf(ex->signal, sizeof ex->signal, "%s", cs->signal);
	if (ex->signal[0] != '\0')
		ex->status = -1;
}

/* Open a session channel with the exit-signal callback installed. */
static ssh_channel chan_open(struct sshc *s, struct ssh_channel_callbacks_struct *cb,
			     struct chan_state *cs, struct herd_err *err)
{
	ssh_channel ch = ssh_channel_new(s->session);

	if (ch == NULL || ssh_channel_open_session(ch) != SSH_OK) {
		herd_errf(err, HERD_E_SSH, "%s: open session: %s", s->what,
			  ssh_get_error(s->session));
		ssh_channel_free(ch);
		return NULL;
	}
	memset(cb, 0, sizeof *cb);
	memset(cs, 0, sizeof *cs);
	cb->userdata = cs;
	cb->channel_exit_signal_function = on_exit_signal;
	ssh_callbacks_init(cb);
	ssh_set_channel_callbacks(ch, cb);
	return ch;
}

static void chan_close(ssh_channel ch)
{
	if (ch == NULL)
		return;
	ssh_channel_close(ch);
	ssh_channel_free(ch);
}

static int lines_sink(void *ud, int is_stderr, const char *p, size_t n)
{
	linesplit_feed(ud, is_stderr, p, n);
	return 0;
}

int sshc_exec(struct sshc *s, const char *cmd, sshc_line_fn fn, void *ud,
	      struct sshc_exit *ex, struct herd_err *err)
{
	struct ssh_channel_callbacks_struct cb;
	struct linesplit ls;
	struct chan_state cs;
	ssh_channel ch = NULL;
	int rc = -1;

	linesplit_init(&ls, LINE_MAX_BYTES, fn, ud);
	ex->status = -1;
	ex->signal[0] = '\0';
	ch = chan_open(s, &cb, &cs, err);
	if (ch == NULL)
		goto out;
	if (ssh_channel_request_exec(ch, cmd) != SSH_OK) {
		herd_errf(err, HERD_E_SSH, "%s: exec: %s", s->what,
			  ssh_get_error(s->session));
		goto out;
	}
	/* Like `ssh -n`: a command that reads stdin sees EOF, not a hang. */
	ssh_channel_send_eof(ch);
	if (pump_run(s, ch, -1, false, lines_sink, &ls, err) < 0)
		goto out;
	finish_exit(ch, &cs, ex);
	rc = 0;
out:
	linesplit_finish(&ls);
	chan_close(ch);
	return rc;
}

/* ---- interactive ------------------------------------------------------- */

static int write_all(void *ud, int is_stderr, const char *p, size_t n)
{
	int fd = is_stderr ? STDERR_FILENO : STDOUT_FILENO;
	ssize_t w;

	(void)ud;
	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Ask for a PTY of the local window size and make the local side raw. */
static int pty_setup(struct sshc *s, ssh_channel ch, struct term_raw *tr,
		     struct herd_err *err)
{
	const char *term = getenv("TERM");
	int cols = 80, rows = 24;

	term_size(STDIN_FILENO, &cols, &rows);
	if (ssh_channel_request_pty_size(ch, term && *term ? term : "xterm",
					 cols, rows) != SSH_OK)
		return herd_errf(err, HERD_E_SSH, "%s: request pty: %s", s->what,
				 ssh_get_error(s->session));
	if (term_winch_watch(err) < 0)
		return -1;
	return term_raw_enter(tr, STDIN_FILENO, err);
}

int sshc_interactive(struct sshc *s, const char *cmd, int want_pty,
		     struct sshc_exit *ex, struct herd_err *err)
{
	struct ssh_channel_callbacks_struct cb;
	struct term_raw tr = TERM_RAW_INIT;
	bool pty = want_pty && isatty(STDIN_FILENO);
	struct chan_state cs;
	ssh_channel ch = NULL;
	int rc = -1, r;

	ex->status = -1;
	ex->signal[0] = '\0';
	ch = chan_open(s, &cb, &cs, err);
	if (ch == NULL)
		goto out;
	if (pty && pty_setup(s, ch, &tr, err) < 0)
		goto out;
	r = cmd ? ssh_channel_request_exec(ch, cmd) : ssh_channel_request_shell(ch);
	if (r != SSH_OK) {
		herd_errf(err, HERD_E_SSH, "%s: %s: %s", s->what, cmd ? "exec" : "shell",
			  ssh_get_error(s->session));
		goto out;
	}
	if (pump_run(s, ch, STDIN_FILENO, pty, write_all, NULL, err) < 0)
		goto out;
	finish_exit(ch, &cs, ex);
	rc = 0;
out:
	term_raw_leave(&tr);
	if (pty)
		term_winch_unwatch();
	chan_close(ch);
	return rc;
}
