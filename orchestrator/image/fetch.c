/* orchestrator/image/fetch.c — libcurl transfers into a resumable partial file. */
#include "orchestrator/image/fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/version.h"

#define STALL_BYTES_PER_SEC 1024L
#define MAX_BACKOFF_MS 30000U
#define PROGRESS_EVERY_NS 100000000LL

/* One attempt's state, shared with the curl callbacks. */
struct xfer {
	CURL *h;
	const struct fetch_opts *o;
	const char *url;
	const char *path;
	int fd;
	uint64_t size;		/* bytes in the file */
	uint64_t start;		/* size when this attempt began */
	uint64_t skip;		/* body bytes to drop: a 200 answer to a Range */
	uint64_t total;		/* expected final size, 0 unknown */
	uint64_t max;
	int checked;		/* status of the final response inspected */
	int range_done;		/* 416: the partial already holds everything */
	int ranged;		/* some attempt sent a Range request */
	long status;
	char content_range[96];
	enum fetch_fault fault;	/* set by a callback that stopped the transfer */
	int sys_errno;
	uint64_t unreserved;	/* FETCH_DISK before the body: bytes that did not fit */
	long tls_verify;	/* FETCH_TLS: OpenSSL's verdict on the chain */
	struct herd_err sink_err;
	int attempt;
	int64_t t_last;
	uint64_t b_last;
	double rate;
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void report(struct xfer *x, const char *note, int done)
{
	struct fetch_progress p = { x->size, x->total, x->start, x->rate,
				    x->attempt, note, done };

	if (x->o->progress != NULL)
		x->o->progress(x->o->progress_ctx, &p);
}

/* Smoothed rate, so the ETA does not jump with every packet. */
static void tick(struct xfer *x)
{
	int64_t t = now_ns();
	double inst;

	if (t - x->t_last < PROGRESS_EVERY_NS)
		return;
	inst = (double)(x->size - x->b_last) * 1e9 / (double)(t - x->t_last);
	x->rate = x->rate == 0 ? inst : 0.7 * x->rate + 0.3 * inst;
	x->t_last = t;
	x->b_last = x->size;
	report(x, NULL, 0);
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n, k = strlen("content-range:");

	/* Each response of a redirect chain starts over. */
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
		x->content_range[0] = '\0';
	else if (len > k && strncasecmp(p, "content-range:", k) == 0)
		snprintf(x->content_range, sizeof x->content_range, "%.*s",
			 (int)(len - k), p + k);
	return len;
}

/* "bytes START-END/TOTAL", or for a 416 "bytes *" then "/TOTAL"; -1 if
 * unreadable. */
static int parse_content_range(const char *s, int64_t *start, uint64_t *total)
{
	unsigned long long a = 0, b = 0, t = 0;

	while (*s == ' ')
		s++;
	if (sscanf(s, "bytes %llu-%llu/%llu", &a, &b, &t) == 3) {
		*start = (int64_t)a;
		*total = t;
		return 0;
	}
	if (sscanf(s, "bytes */%llu", &t) == 1) {
		*start = -1;
		*total = t;
		return 0;
	}
	return -1;
}

/* Look at the final response once, before its body is stored. */
static int check_response(struct xfer *x)
{
	curl_off_t len = -1;
	int64_t cr_start = -1;
	uint64_t cr_total = 0;

	x->checked = 1;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
	curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	if (x->status == 206 &&
	    parse_content_range(x->content_range, &cr_start, &cr_total) == 0 &&
	    cr_start == (int64_t)x->start) {
		x->total = cr_total;
		return 0;
	}
	if (x->status == 206) {		/* a range we did not ask for */
		x->fault = FETCH_OTHER;
		return -1;
	}
	if (x->status == 416 && x->start > 0) {
		x->range_done = 1;	/* nothing past our end: let the sum judge */
		return -1;
	}
	if (x->status != 200) {
		x->fault = FETCH_HTTP;
		return -1;
	}
	x->skip = x->start;		/* server ignored Range: drop what we have */
	x->total = len >= 0 ? (uint64_t)len : 0;
	return 0;
}

static int store(struct xfer *x, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = pwrite(x->fd, p, len, (off_t)x->size);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			x->fault = FETCH_DISK;
			x->sys_errno = w < 0 ? errno : EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
		x->size += (uint64_t)w;
	}
	return 0;
}

/* Reserve the blocks of the announced size before the first byte: a full
 * disk fails now instead of after minutes, and the writes that follow
 * skip the file system's block allocation.  KEEP_SIZE leaves st_size =
 * bytes received, which resume reads. */
static int reserve(struct xfer *x)
{
	int e;

	if (x->total <= x->size || x->total > x->max)
		return 0;
	e = fallocate(x->fd, FALLOC_FL_KEEP_SIZE, (off_t)x->size,
		      (off_t)(x->total - x->size));
	if (e == 0 || (errno != ENOSPC && errno != EDQUOT))
		return 0;	/* unsupported here: the writes will tell */
	x->fault = FETCH_DISK;
	x->sys_errno = errno;
	x->unreserved = x->total - x->size;
	return -1;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n, drop;

	if (!x->checked && (check_response(x) < 0 || reserve(x) < 0))
		return 0;
	drop = x->skip < len ? (size_t)x->skip : len;
	x->skip -= drop;
	if (x->size + (len - drop) > x->max) {
		x->fault = FETCH_TOO_BIG;
		return 0;
	}
	if (store(x, p + drop, len - drop) < 0)
		return 0;
	if (x->o->on_data != NULL &&
	    x->o->on_data(x->o->data_ctx, x->size, &x->sink_err) < 0) {
		x->fault = FETCH_SINK;
		return 0;
	}
	tick(x);
	return len;
}

static void setup(struct xfer *x)
{
	const struct fetch_opts *o = x->o;
	CURL *h = x->h;
	const char *ca;

	curl_easy_setopt(h, CURLOPT_URL, x->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "herd/" HERD_VERSION);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	/* Big reads: fewer callbacks, as curl's own tool does. */
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
			 o->connect_timeout > 0 ? o->connect_timeout : 30L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, STALL_BYTES_PER_SEC);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
			 o->stall_timeout > 0 ? o->stall_timeout : 30L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	/* The environment reaches apply's pulls too, which take no options. */
	ca = o->ca_bundle != NULL ? o->ca_bundle : getenv("HERD_CA_BUNDLE");
	if (ca != NULL && ca[0] != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
}

static enum fetch_fault classify_curl(struct xfer *x, CURLcode rc)
{
	long oserr = 0;
	curl_off_t connected = 0;

	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return FETCH_BAD_URL;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return FETCH_DNS;
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &oserr);
		return oserr == ECONNREFUSED ? FETCH_REFUSED : FETCH_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(x->h, CURLINFO_CONNECT_TIME_T, &connected);
		return connected > 0 ? FETCH_STALL : FETCH_TIMEOUT;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		return FETCH_TRUNCATED;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		curl_easy_getinfo(x->h, CURLINFO_SSL_VERIFYRESULT, &x->tls_verify);
		return FETCH_TLS;
	default:
		return FETCH_OTHER;
	}
}

static int transient(const struct xfer *x)
{
	switch (x->fault) {
	case FETCH_REFUSED:
	case FETCH_CONNECT:
	case FETCH_TIMEOUT:
	case FETCH_STALL:
	case FETCH_TRUNCATED:
		return 1;
	case FETCH_HTTP:
		return x->status == 408 || x->status == 429 ||
		       (x->status >= 500 && x->status <= 599);
	default:
		return 0;
	}
}

static const char *http_reason(long status)
{
	switch (status) {
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not found";
	case 408: return "request timeout";
	case 410: return "gone";
	case 429: return "too many requests";
	case 500: return "internal server error";
	case 502: return "bad gateway";
	case 503: return "service unavailable";
	case 504: return "gateway timeout";
	default: return status >= 500 ? "server error" : "client error";
	}
}

/* "127.0.0.1 port 8080", from the URL: after a failed connect libcurl
 * has no peer address to report. */
static void host_port(const struct xfer *x, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, x->url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		snprintf(out, n, "%s port %s", host, port);
	else
		snprintf(out, n, "the server");
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/* OpenSSL's verdicts that mean "no CA we trust signed this" (X509_V_ERR_
 * numbers 2 and 18-21), where naming a CA bundle is the fix. */
static int untrusted_issuer(long verify)
{
	return verify == 2 || (verify >= 18 && verify <= 21);
}

/* One message per fault, each naming the URL first. */
static int describe(struct xfer *x, struct herd_err *err)
{
	const char *u = x->url;
	char hp[80];
	long ct = x->o->connect_timeout > 0 ? x->o->connect_timeout : 30L;
	long st = x->o->stall_timeout > 0 ? x->o->stall_timeout : 30L;

	host_port(x, hp, sizeof hp);
	switch (x->fault) {
	case FETCH_BAD_URL:
		return herd_errf(err, HERD_E_USAGE, "download %s: not an http(s) URL (%s)", u, x->errbuf);
	case FETCH_DNS:
		return herd_errf(err, HERD_E_NET, "download %s: cannot resolve the host name (%s)", u, x->errbuf);
	case FETCH_REFUSED:
		return herd_errf(err, HERD_E_NET, "download %s: connection refused by %s", u, hp);
	case FETCH_CONNECT:
		return herd_errf(err, HERD_E_NET, "download %s: cannot connect (%s)", u, x->errbuf);
	case FETCH_TIMEOUT:
		return herd_errf(err, HERD_E_NET, "download %s: no connection within %ld s", u, ct);
	case FETCH_STALL:
		return herd_errf(err, HERD_E_NET, "download %s: stalled: under 1 KiB/s for %ld s at %" PRIu64 " bytes", u, st, x->size);
	case FETCH_TRUNCATED:
		if (x->total > 0)
			return herd_errf(err, HERD_E_NET, "download %s: truncated: the connection ended after %" PRIu64 " of %" PRIu64 " bytes", u, x->size, x->total);
		return herd_errf(err, HERD_E_NET, "download %s: truncated: the connection ended after %" PRIu64 " bytes (%s)", u, x->size, x->errbuf);
	case FETCH_TLS:
		return herd_errf(err, HERD_E_NET, "download %s: TLS: %s (%s)", u, x->errbuf,
				 untrusted_issuer(x->tls_verify)
				 ? "if a private CA signed it, name that CA with --cacert or $HERD_CA_BUNDLE"
				 : "the certificate must name the URL's host and be in date");
	case FETCH_HTTP:
		return herd_errf(err, HERD_E_NET, "download %s: HTTP %ld (%s)", u, x->status, http_reason(x->status));
	case FETCH_TOO_BIG:
		return herd_errf(err, HERD_E_NET, "download %s: larger than the %" PRIu64 " byte limit", u, x->max);
	case FETCH_DISK:
		if (x->unreserved > 0)
			return herd_errno(err, HERD_E_IO, x->sys_errno, "download %s: its %" PRIu64 " bytes do not fit beside %s (disk full)", u, x->unreserved, x->path);
		return herd_errno(err, HERD_E_IO, x->sys_errno, "download %s: write %s%s", u, x->path, x->sys_errno == ENOSPC ? " (disk full)" : "");
	case FETCH_SINK:
		*err = x->sink_err;
		return herd_errctx(err, "download %s", u);
	default:
		return herd_errf(err, HERD_E_NET, "download %s: %s", u, x->errbuf[0] ? x->errbuf : "transfer failed");
	}
}

static void set_range(struct xfer *x)
{
	char range[32];

	x->start = x->size;
	x->skip = 0;
	x->checked = 0;
	x->range_done = 0;
	x->status = 0;
	x->fault = FETCH_OK;
	x->errbuf[0] = '\0';
	x->content_range[0] = '\0';
	x->b_last = x->size;
	x->t_last = now_ns();
	snprintf(range, sizeof range, "%" PRIu64 "-", x->size);
	x->ranged |= x->size > 0;
	curl_easy_setopt(x->h, CURLOPT_RANGE, x->size > 0 ? range : NULL);
}

/* One request.  Returns 0 when the file is complete, else sets x->fault. */
static int attempt_once(struct xfer *x)
{
	CURLcode rc;

	set_range(x);
	rc = curl_easy_perform(x->h);
	if (rc == CURLE_OK && !x->checked && check_response(x) < 0 &&
	    !x->range_done)
		return -1;		/* an error status with an empty body */
	if (x->range_done)
		return 0;
	if (rc != CURLE_OK) {
		if (x->fault == FETCH_OK)
			x->fault = classify_curl(x, rc);
		return -1;
	}
	if (x->total > 0 && x->size != x->total) {
		x->fault = FETCH_TRUNCATED;
		return -1;
	}
	return 0;
}

static void backoff(struct xfer *x, unsigned *delay_ms)
{
	char note[sizeof ((struct herd_err *)0)->msg + 48];
	struct timespec ts = { *delay_ms / 1000, (long)(*delay_ms % 1000) * 1000000L };
	struct herd_err why = HERD_ERR_INIT;

	describe(x, &why);
	snprintf(note, sizeof note, "retrying in %.1f s: %s",
		 *delay_ms / 1000.0, why.msg);
	report(x, note, 0);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	*delay_ms = *delay_ms * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : *delay_ms * 2;
}

static int run(struct xfer *x, struct fetch_result *res, struct herd_err *err)
{
	int retries = x->o->retries < 0 ? 3 : x->o->retries, used = 0;
	unsigned delay = x->o->retry_delay_ms ? x->o->retry_delay_ms : 1000;

	for (x->attempt = 1;; x->attempt++) {
		uint64_t before = x->size;

		if (attempt_once(x) == 0)
			break;
		/* With retries allowed, an attempt that moved the file
		 * forward is not counted: a flaky link may need many, each
		 * one making progress.  --retries 0 still means one try. */
		if (x->size > before && retries > 0)
			delay = x->o->retry_delay_ms ? x->o->retry_delay_ms : 1000;
		else
			used++;
		if (!transient(x) || used > retries) {
			res->fault = x->fault;
			describe(x, err);
			if (used > retries && x->attempt > 1 && err != NULL) {
				size_t len = strlen(err->msg);

				snprintf(err->msg + len, sizeof err->msg - len,
					 " (gave up after %d attempts)", x->attempt);
			}
			return -1;
		}
		backoff(x, &delay);
	}
	report(x, NULL, 1);
	return 0;
}

static int open_part(struct xfer *x, struct herd_err *err)
{
	struct stat st;

	x->fd = open(x->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (x->fd < 0)
		return herd_errno(err, HERD_E_IO, errno, "open %s", x->path);
	if (fstat(x->fd, &st) < 0)
		return herd_errno(err, HERD_E_IO, errno, "stat %s", x->path);
	x->size = (uint64_t)st.st_size;
	return 0;
}

int fetch_to_file(const struct fetch_opts *opts, const char *url,
		  const char *path, struct fetch_result *res,
		  struct herd_err *err)
{
	struct fetch_result dummy;
	struct xfer x;
	int rc = -1;

	if (res == NULL)
		res = &dummy;
	memset(res, 0, sizeof *res);
	memset(&x, 0, sizeof x);
	x.o = opts;
	x.url = url;
	x.path = path;
	x.fd = -1;
	x.max = opts->max_bytes ? opts->max_bytes : FETCH_MAX_BYTES;
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		herd_errf(err, HERD_E_NET, "download %s: cannot initialise libcurl", url);
		goto out;
	}
	if (open_part(&x, err) < 0)
		goto out;
	res->resumed_from = x.size;
	if (opts->on_data != NULL && opts->on_data(opts->data_ctx, x.size, err) < 0)
		goto out;
	x.h = curl_easy_init();
	if (x.h == NULL) {
		herd_errf(err, HERD_E_NET, "download %s: cannot create a curl handle", url);
		goto out;
	}
	setup(&x);
	rc = run(&x, res, err);
	res->range_used = x.ranged;
out:
	res->http_status = x.status;
	res->size = x.size;
	res->attempts = x.attempt;
	if (x.h != NULL)
		curl_easy_cleanup(x.h);
	if (x.fd >= 0 && close(x.fd) < 0 && rc == 0)
		rc = herd_errno(err, HERD_E_IO, errno, "close %s", path);
	return rc;
}

const char *fetch_fault_name(enum fetch_fault fault)
{
	static const char *const names[] = {
		"ok", "bad-url", "dns", "refused", "connect", "timeout",
		"stall", "truncated", "tls", "http", "too-big", "disk",
		"sink", "other",
	};

	if ((unsigned)fault < sizeof names / sizeof names[0])
		return names[fault];
	return "other";
}
