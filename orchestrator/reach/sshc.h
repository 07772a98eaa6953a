/* orchestrator/reach/sshc.h — herd's SSH client: the only user of libssh sessions.
 *
 * Connect to a VM as the fleet user with the fleet key, verify the server's
 * host key against what herd expects (a known_hosts file or one public key;
 * there is no trust on first use), run a command with its output streamed
 * line by line, wait for a server that is still booting, or open an
 * interactive session.  A struct sshc is one logged-in connection; use it
 * from one thread at a time (separate connections may live in separate
 * threads, as execpar.c does).
 */
#ifndef HERD_SSHC_H
#define HERD_SSHC_H

#include <stddef.h>

#include "common/err.h"

/* Where to connect and how to trust it.  Plain borrowed strings, so callers
 * (the fleet model, tests) fill one without depending on each other. */
struct sshc_target {
	const char *name;	/* shown in messages and output prefixes */
	const char *host;	/* address or host name */
	int port;		/* 0 means 22 */
	const char *user;
	const char *key_path;	/* private key file (the fleet key), no passphrase */
	const char *known_hosts; /* known_hosts file to verify against, or NULL */
	const char *host_key;	/* "TYPE BASE64 [comment]" expected, or NULL;
				   wins over known_hosts when both are set */
};

/* Why a connection or command did not happen; SSHC_OK when it did. */
enum sshc_fail {
	SSHC_OK,
	SSHC_FAIL_CONFIG,	/* target incomplete, key file unreadable */
	SSHC_FAIL_REFUSED,	/* nothing listens on host:port */
	SSHC_FAIL_UNREACHABLE,	/* no route, name does not resolve, reset */
	SSHC_FAIL_TIMEOUT,	/* no answer (or no handshake) in time */
	SSHC_FAIL_PROTOCOL,	/* banner or key exchange failed */
	SSHC_FAIL_HOSTKEY,	/* host key differs from the expected one */
	SSHC_FAIL_HOSTKEY_UNKNOWN, /* no expected key for this host */
	SSHC_FAIL_AUTH,		/* the server refused the key */
	SSHC_FAIL_SESSION,	/* after login: channel, exec or I/O failed */
};

/* A short label for a failure ("connect refused", "host key mismatch");
 * static storage. */
const char *sshc_fail_str(enum sshc_fail why);

/* How a remote command ended. */
struct sshc_exit {
	int status;		/* exit status, or -1 when there was none */
	char signal[16];	/* "TERM" when killed by a signal, else "" */
};

/* Called once per complete output line, without its newline (the last
 * line may have had none; a line over 64 KiB arrives in pieces). */
typedef void (*sshc_line_fn)(void *ud, int is_stderr, const char *line,
			     size_t len);

/* Connect to t, verify the host key and log in with t->key_path, each step
 * within timeout_ms (0 means 10 s).  Returns the session (free with
 * sshc_free()), or NULL with err (HERD_E_SSH, or HERD_E_NET for the TCP
 * connect; the message names the target) and *why (may be NULL) set.
 * A host key mismatch says so and that the server may be an impostor. */
struct sshc *sshc_connect(const struct sshc_target *t, int timeout_ms,
			  enum sshc_fail *why, struct herd_err *err);

/* Readiness for `herd wait`: like sshc_connect(), but keeps retrying for
 * up to timeout_ms while the server is not up yet (refused, timed out,
 * handshake cut short) or does not accept the key yet (cloud-init still
 * installing it), with a backoff of 0.25 s doubling to 2 s.  A host key
 * mismatch or an unknown host key fails at once.  On timeout, err carries
 * the last attempt's cause and *why its kind.  One connection per attempt
 * (banner, key exchange and login together); for a bare banner check see
 * sshc_net_probe_banner(). */
struct sshc *sshc_wait(const struct sshc_target *t, int timeout_ms,
		       enum sshc_fail *why, struct herd_err *err);

/* Run cmd (a shell command line, interpreted by the remote shell) without
 * a PTY and with an empty stdin.  Each stdout/stderr line goes to fn(ud,
 * ...) as it arrives.  Returns 0 once the command ended (its status in
 * *ex, which may be non-zero), or -1 with err (HERD_E_SSH) if the session
 * broke. */
int sshc_exec(struct sshc *s, const char *cmd, sshc_line_fn fn, void *ud,
	      struct sshc_exit *ex, struct herd_err *err);

/* Let the caller end a running sshc_exec(): cancelled(ud) is called about
 * every PUMP_POLL_MS while a command runs; when it returns true the command
 * is abandoned and sshc_exec() fails with "cancelled".  A guest that dies
 * mid-command sends no FIN, so without this the wait has no end.  NULL
 * removes the hook. */
void sshc_set_cancel(struct sshc *s, int (*cancelled)(void *ud), void *ud);

/* Interactive session on this process's stdin/stdout/stderr: a login
 * shell when cmd is NULL, else cmd.  With want_pty and a terminal on
 * stdin: a remote PTY of the local window size, the local terminal in raw
 * mode (restored before returning, also on error) and window changes
 * forwarded.  Returns 0 with *ex, or -1 with err. */
int sshc_interactive(struct sshc *s, const char *cmd, int want_pty,
		     struct sshc_exit *ex, struct herd_err *err);

/* Disconnect and free; NULL is fine. */
void sshc_free(struct sshc *s);

#endif
