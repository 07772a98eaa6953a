/* orchestrator/image/fetch.h — download one URL into a resumable partial file.
 *
 * The only libcurl user in herd.  fetch_to_file() appends to a partial
 * file: when the file already holds N bytes (an earlier run was cut off),
 * it asks for the rest with an HTTP Range request.  Transient failures
 * (connection refused or lost, stall, HTTP 408/429/5xx) are retried with
 * exponential backoff, each retry resuming where the last one stopped.
 * TLS peers are always verified; an extra CA bundle can be named, there is
 * no switch to turn checks off.  Proxies come from the usual environment
 * variables (http_proxy, https_proxy, no_proxy), as libcurl reads them.
 *
 * Hashing and decompression are not done here: a data callback is told
 * each time the file grows, and a reader thread (orchestrator/image/unpack.h)
 * follows the file behind the writer.  That keeps this module a pure
 * transfer and lets hashing run on the other core while curl receives.
 */
#ifndef HERD_FETCH_H
#define HERD_FETCH_H

#include <stdint.h>

#include "common/err.h"

/* What a transfer did, for drawing (orchestrator/cli/progress.h draws it). */
struct fetch_progress {
	uint64_t bytes;		/* bytes in the file now (resumed ones included) */
	uint64_t total;		/* expected final size, 0 when unknown */
	uint64_t resumed_from;	/* bytes the file held before this attempt */
	double rate;		/* bytes per second, smoothed */
	int attempt;		/* 1 for the first try */
	const char *note;	/* non-NULL once per retry: why and when */
	int done;		/* 1 on the last call of a successful transfer */
};

/* Called at most every 100 ms while data flows, and once at the end. */
typedef void (*fetch_progress_fn)(void *ctx, const struct fetch_progress *p);

/* Called after the file grew to `size` bytes (also once before the first
 * request, with the size found on disk).  Return -1 with err filled to
 * abort the download (the fault is then FETCH_SINK). */
typedef int (*fetch_data_fn)(void *ctx, uint64_t size, struct herd_err *err);

struct fetch_opts {
	const char *ca_bundle;		/* extra CA file (PEM); NULL: $HERD_CA_BUNDLE,
					 * else the system store only */
	int retries;			/* retries after the first attempt; <0: 3 */
	long connect_timeout;		/* seconds; 0: 30 */
	long stall_timeout;		/* seconds under 1 KiB/s before giving up; 0: 30 */
	unsigned retry_delay_ms;	/* first backoff, doubling, max 30 s; 0: 1000 */
	uint64_t max_bytes;		/* largest file accepted; 0: FETCH_MAX_BYTES */
	fetch_progress_fn progress;	/* may be NULL */
	void *progress_ctx;
	fetch_data_fn on_data;		/* may be NULL */
	void *data_ctx;
};

#define FETCH_MAX_BYTES (64ULL << 30)

/* Why a transfer failed.  Each has its own message; the retry policy
 * treats REFUSED, CONNECT, TIMEOUT, STALL, TRUNCATED and HTTP 408/429/5xx
 * as transient. */
enum fetch_fault {
	FETCH_OK,
	FETCH_BAD_URL,		/* malformed URL or a scheme other than http(s) */
	FETCH_DNS,		/* host name did not resolve */
	FETCH_REFUSED,		/* nothing listens on the port */
	FETCH_CONNECT,		/* other connect failure (unreachable, ...) */
	FETCH_TIMEOUT,		/* no connection within connect_timeout */
	FETCH_STALL,		/* connected, but under 1 KiB/s for stall_timeout */
	FETCH_TRUNCATED,	/* the connection ended before the body did */
	FETCH_TLS,		/* handshake or certificate check failed */
	FETCH_HTTP,		/* an HTTP error status (http_status says which) */
	FETCH_TOO_BIG,		/* the body exceeds max_bytes */
	FETCH_DISK,		/* writing the file failed (ENOSPC: disk full) */
	FETCH_SINK,		/* on_data refused the data */
	FETCH_OTHER,
};

struct fetch_result {
	enum fetch_fault fault;
	long http_status;	/* last status seen, 0 if none */
	uint64_t size;		/* bytes in the file at the end */
	uint64_t resumed_from;	/* bytes the file held before the first attempt */
	int attempts;
	int range_used;		/* 1 if any attempt sent a Range request */
};

/* Download url into path, creating it or resuming from its current size.
 * On success returns 0 and the file holds the whole body.  On failure
 * returns -1, err says what failed (naming the URL) and res->fault says
 * which kind; the partial file is left in place so a later call resumes.
 * res may be NULL.  Blocking; safe to call from several threads at once
 * on different files. */
int fetch_to_file(const struct fetch_opts *opts, const char *url,
		  const char *path, struct fetch_result *res,
		  struct herd_err *err);

/* Short name of a fault, for tests and logs ("refused", "http", ...). */
const char *fetch_fault_name(enum fetch_fault fault);

#endif
