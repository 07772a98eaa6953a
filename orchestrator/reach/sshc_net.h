/* orchestrator/reach/sshc_net.h — TCP connects with a timeout and SSH banner reads.
 *
 * The socket half of the SSH client (sshc.c): plain sockets, no libssh, so
 * that a refused or slow connect is classified by errno before libssh is
 * involved, and so a readiness probe can read the server's identification
 * line without a full handshake.
 */
#ifndef HERD_SSHC_NET_H
#define HERD_SSHC_NET_H

#include <stddef.h>

#include "common/err.h"

/* Milliseconds on the monotonic clock (for deadlines). */
long long sshc_net_now_ms(void);

/* Open a TCP connection to host:port (a name or an address; every address
 * it resolves to is tried in turn) within timeout_ms.  Returns a connected,
 * non-blocking, close-on-exec socket with TCP_NODELAY that the caller owns,
 * or -1 with err set: HERD_E_NET and sys_errno ECONNREFUSED (nothing
 * listens), ETIMEDOUT (no answer in time), another errno (unreachable...),
 * or sys_errno 0 when the name does not resolve. */
int sshc_net_connect(const char *host, int port, int timeout_ms,
		     struct herd_err *err);

/* Read the server's identification line ("SSH-2.0-OpenSSH_9.2p1 ...") from
 * fd within timeout_ms, skipping the other lines RFC 4253 allows before it.
 * Writes it without CR/LF into out (size n, truncated, NUL-terminated).
 * Returns 0, or -1 with err (HERD_E_NET; ETIMEDOUT for a silent server). */
int sshc_net_read_banner(int fd, int timeout_ms, char *out, size_t n,
			 struct herd_err *err);

/* Retry pacing shared by the probe and sshc_wait(): start at the minimum,
 * double up to the maximum. */
#define SSHC_NET_BACKOFF_MIN_MS 250
#define SSHC_NET_BACKOFF_MAX_MS 2000
int sshc_net_backoff(int delay_ms);
void sshc_net_sleep_ms(int ms);

/* Banner probe: retry connecting to host:port (0 means 22) with the
 * backoff above until timeout_ms has passed, then read the server's
 * identification line into banner (size n).  No login, one connection per
 * successful probe (sshd may count connections that never log in against
 * the source, so pollers should prefer sshc_wait()).  Returns 0, or -1
 * with err (HERD_E_NET; sys_errno ECONNREFUSED while nothing listens). */
int sshc_net_probe_banner(const char *host, int port, int timeout_ms,
			  char *banner, size_t n, struct herd_err *err);

#endif
