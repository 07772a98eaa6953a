/* orchestrator/reach/sshc_net.c — TCP connects with a timeout and SSH banner reads. */
#include "orchestrator/reach/sshc_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A banner line longer than this (RFC 4253 says 255) is not SSH. */
#define BANNER_MAX 255
/* Lines a server may send before its identification line. */
#define BANNER_PRELUDE_LINES 32

long long sshc_net_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(long long deadline)
{
	long long left = deadline - sshc_net_now_ms();

	return left < 0 ? 0 : (int)left;
}

/* Wait for fd to become readable or writable; 0, or an errno value. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	for (;;) {
		r = poll(&p, 1, left_ms(deadline));
		if (r > 0)
			return 0;
		if (r == 0)
			return ETIMEDOUT;
		if (errno != EINTR)
			return errno;
	}
}

/* Connect one resolved address; returns the socket, or -1 with *e set. */
static int connect_one(const struct addrinfo *ai, long long deadline, int *e)
{
	int fd, one = 1, soerr = 0;
	socklen_t len = sizeof soerr;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0) {
		*e = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			*e = errno;
			goto fail;
		}
		*e = wait_fd(fd, POLLOUT, deadline);
		if (*e != 0)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			soerr = errno;
		if (soerr != 0) {
			*e = soerr;
			goto fail;
		}
	}
	/* SSH is request/response: Nagle would add delay to every round trip. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
fail:
	close(fd);
	return -1;
}

int sshc_net_connect(const char *host, int port, int timeout_ms,
		     struct herd_err *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	long long deadline = sshc_net_now_ms() + timeout_ms;
	char portstr[16];
	int fd = -1, e = ETIMEDOUT, r;

	snprintf(portstr, sizeof portstr, "%d", port);
	r = getaddrinfo(host, portstr, &hints, &res);
	if (r != 0)
		return herd_errf(err, HERD_E_NET, "resolve %s: %s", host,
				 gai_strerror(r));
	for (const struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		/* The first address is always tried, even with no time left,
		 * so a refusal is reported as one and not as a timeout. */
		if (ai != res && left_ms(deadline) == 0) {
			e = ETIMEDOUT;
			break;
		}
		fd = connect_one(ai, deadline, &e);
	}
	freeaddrinfo(res);
	if (fd < 0)
		return herd_errno(err, HERD_E_NET, e, "connect %s port %d", host, port);
	return fd;
}

/* Read one line (up to LF) into line; returns its length, or -1 with err. */
static int read_line(int fd, long long deadline, char *line, struct herd_err *err)
{
	size_t len = 0;
	ssize_t r;
	char c;
	int e;

	for (;;) {
		r = read(fd, &c, 1);
		if (r == 1) {
			if (c == '\n')
				break;
			if (len == BANNER_MAX)
				return herd_errf(err, HERD_E_NET, "banner line too long: not an ssh server");
			line[len++] = c;
			continue;
		}
		if (r == 0)
			return herd_errf(err, HERD_E_NET, "connection closed before the ssh banner");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return herd_errno(err, HERD_E_NET, errno, "read ssh banner");
		e = wait_fd(fd, POLLIN, deadline);
		if (e != 0)
			return herd_errno(err, HERD_E_NET, e, "read ssh banner");
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	return (int)len;
}

int sshc_net_read_banner(int fd, int timeout_ms, char *out, size_t n,
			 struct herd_err *err)
{
	long long deadline = sshc_net_now_ms() + timeout_ms;
	char line[BANNER_MAX + 1];

	for (int i = 0; i < BANNER_PRELUDE_LINES; i++) {
		if (read_line(fd, deadline, line, err) < 0)
			return -1;
		if (strncmp(line, "SSH-", 4) == 0) {
			snprintf(out, n, "%s", line);
			return 0;
		}
	}
	return herd_errf(err, HERD_E_NET, "no ssh banner in the first %d lines",
			 BANNER_PRELUDE_LINES);
}

void sshc_net_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int sshc_net_backoff(int delay_ms)
{
	return delay_ms * 2 > SSHC_NET_BACKOFF_MAX_MS ? SSHC_NET_BACKOFF_MAX_MS
						      : delay_ms * 2;
}

int sshc_net_probe_banner(const char *host, int port, int timeout_ms,
		      char *banner, size_t n, struct herd_err *err)
{
	long long deadline = sshc_net_now_ms() + timeout_ms;
	int delay = SSHC_NET_BACKOFF_MIN_MS, fd = -1, rc;
	long long left;

	port = port > 0 ? port : 22;
	for (;;) {
		left = deadline - sshc_net_now_ms();
		fd = sshc_net_connect(host, port, left > 0 ? (int)left : 1, err);
		if (fd >= 0)
			break;
		left = deadline - sshc_net_now_ms();
		if (left <= 0)
			return herd_errctx(err, "ssh banner");
		sshc_net_sleep_ms(delay < left ? delay : (int)left);
		delay = sshc_net_backoff(delay);
	}
	left = deadline - sshc_net_now_ms();
	rc = sshc_net_read_banner(fd, left > 0 ? (int)left : 1, banner, n, err);
	close(fd);
	if (rc < 0)
		return herd_errctx(err, "%s port %d", host, port);
	return 0;
}
