/* tests/unit/test_fetch.c — fetch_to_file against a tiny scripted HTTP
 * server on 127.0.0.1 (a thread here, one canned response per connection):
 * refused connection, bad scheme, truncated body, resume with 206, a
 * server that ignores Range (200), 416 on a complete partial file, a
 * retried 503, a data callback that aborts, a disk that fills while
 * writing (/dev/full), blocks reserved for the announced size.  The full matrix against a
 * real nginx is tests/integration/20-image.sh. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/mem.h"
#include "orchestrator/image/fetch.h"

#define MAX_RESP 4

struct server {
	int fd;
	int port;
	const char *resp[MAX_RESP];	/* sent to connection i, then closed */
	int nresp;
	char req[MAX_RESP][1024];	/* what each connection asked */
	pthread_t thread;
};

static char dir[] = "/tmp/herd-test-fetch.XXXXXX";
static char *part;

static void *serve(void *arg)
{
	struct server *s = arg;
	int i;

	for (i = 0; i < s->nresp; i++) {
		int c = accept(s->fd, NULL, NULL);
		size_t got = 0;
		ssize_t n;

		if (c < 0)
			break;
		while (got < sizeof s->req[i] - 1 &&
		       (n = read(c, s->req[i] + got, sizeof s->req[i] - 1 - got)) > 0) {
			got += (size_t)n;
			s->req[i][got] = '\0';
			if (strstr(s->req[i], "\r\n\r\n") != NULL)
				break;
		}
		if (write(c, s->resp[i], strlen(s->resp[i])) < 0)
			break;
		close(c);
	}
	return NULL;
}

static int listen_any(int *port)
{
	struct sockaddr_in a = { 0 };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static char *server_start(struct server *s)
{
	s->fd = listen_any(&s->port);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
	return xasprintf("http://127.0.0.1:%d/img", s->port);
}

static void server_stop(struct server *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
}

static void write_part(const char *text)
{
	FILE *f = fopen(part, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_part(const char *text)
{
	char buf[256] = "";
	FILE *f = fopen(part, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_string_equal(buf, text);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	part = xasprintf("%s/x.part", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(part);
	rmdir(dir);
	free(part);
	return 0;
}

static void test_refused_and_bad_url(void **state)
{
	struct fetch_opts o = { .retries = 0 };
	struct fetch_result r;
	struct herd_err err = HERD_ERR_INIT;
	int port, fd = listen_any(&port);
	char *url, want[64];

	(void)state;
	close(fd);			/* nothing listens there now */
	url = xasprintf("http://127.0.0.1:%d/x", port);
	unlink(part);
	assert_int_equal(fetch_to_file(&o, url, part, &r, &err), -1);
	assert_int_equal(r.fault, FETCH_REFUSED);
	snprintf(want, sizeof want, "connection refused by 127.0.0.1 port %d", port);
	assert_non_null(strstr(err.msg, want));
	assert_int_equal(fetch_to_file(&o, "ftp://127.0.0.1/x", part, &r, &err), -1);
	assert_int_equal(r.fault, FETCH_BAD_URL);
	assert_string_equal(fetch_fault_name(FETCH_BAD_URL), "bad-url");
	free(url);
}

static void test_truncated(void **state)
{
	struct server s = { .resp = { "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789" }, .nresp = 1 };
	struct fetch_opts o = { .retries = 0 };
	struct fetch_result r;
	struct herd_err err = HERD_ERR_INIT;
	char *url = server_start(&s);

	(void)state;
	unlink(part);
	assert_int_equal(fetch_to_file(&o, url, part, &r, &err), -1);
	server_stop(&s);
	assert_int_equal(r.fault, FETCH_TRUNCATED);
	assert_non_null(strstr(err.msg, "truncated: the connection ended after 10 of 100 bytes"));
	assert_part("0123456789");	/* kept for a resume */
	free(url);
}

static void test_resume_206(void **state)
{
	struct server s = { .resp = { "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 5-10/11\r\nContent-Length: 6\r\n\r\n world" }, .nresp = 1 };
	struct fetch_opts o = { .retries = 0 };
	struct fetch_result r;
	struct herd_err err = HERD_ERR_INIT;
	char *url = server_start(&s);

	(void)state;
	write_part("hello");
	assert_int_equal(fetch_to_file(&o, url, part, &r, &err), 0);
	server_stop(&s);
	assert_non_null(strstr(s.req[0], "Range: bytes=5-\r\n"));
	assert_int_equal(r.resumed_from, 5);
	assert_int_equal(r.range_used, 1);
	assert_part("hello world");
	free(url);
}

static void test_range_ignored_and_416(void **state)
{
	struct server s = { .resp = {
		"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world",
		"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */11\r\nContent-Length: 0\r\n\r\n",
	}, .nresp = 2 };
	struct fetch_opts o = { .retries = 0 };
	struct fetch_result r;
	struct herd_err err = HERD_ERR_INIT;
	char *url = server_start(&s);

	(void)state;
	write_part("hello");
	/* 200 to a Range request: the bytes we hold are skipped, not doubled. */
	assert_int_equal(fetch_to_file(&o, url, part, &r, &err), 0);
	assert_part("hello world");
	/* The partial holds everything already: 416 means done. */
	assert_int_equal(fetch_to_file(&o, url, part, &r, &err), 0);
	server_stop(&s);
	assert_non_null(strstr(s.req[1], "Range: bytes=11-"));
	assert_part("hello world");
	free(url);
}

static int progress_notes;

static void count_notes(void *ctx, const struct fetch_progress *p)
{
	(void)ctx;
	if (p->note != NULL && strstr(p->note, "retrying in") != NULL)
		progress_notes++;
}

static void test_retry_503(void **state)
{
	struct server s = { .resp = {
		"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	}, .nresp = 2 };
	struct fetch_opts o = { .retries = 1, .retry_delay_ms = 10, .progress = count_notes };
	struct fetch_result r;
	struct herd_err err = HERD_ERR_INIT;
	char *url = server_start(&s);

	(void)state;
	unlink(part);
	progress_notes = 0;
	assert_int_equal(fetch_to_file(&o, url, part, &r, &err), 0);
	server_stop(&s);
	assert_int_equal(r.attempts, 2);
	assert_int_equal(progress_notes, 1);
	assert_part("ok");		/* the 503 body never reached the file */
	free(url);
}

static int refuse(void *ctx, uint64_t size, struct herd_err *err)
{
	(void)ctx;
	if (size == 0)
		return 0;
	return herd_errf(err, HERD_E_ARCHIVE, "the reader gave up at %u", (unsigned)size);
}

static void test_sink_abort(void **state)
{
	struct server s = { .resp = { "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc" }, .nresp = 1 };
	struct fetch_opts o = { .retries = 3, .on_data = refuse };
	struct fetch_result r;
	struct herd_err err = HERD_ERR_INIT;
	char *url = server_start(&s);

	(void)state;
	unlink(part);
	assert_int_equal(fetch_to_file(&o, url, part, &r, &err), -1);
	server_stop(&s);
	assert_int_equal(r.fault, FETCH_SINK);
	assert_int_equal(r.attempts, 1);	/* not transient: no retry */
	assert_int_equal(err.code, HERD_E_ARCHIVE);
	assert_non_null(strstr(err.msg, ": the reader gave up at 3"));
	free(url);
}

/* /dev/full takes no reservation (not a file) and fails every write with
 * ENOSPC: the path a server without Content-Length takes. */
static void test_disk_full_on_write(void **state)
{
	struct server s = { .resp = { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" }, .nresp = 1 };
	struct fetch_opts o = { .retries = 2 };
	struct fetch_result r;
	struct herd_err err = HERD_ERR_INIT;
	char *url = server_start(&s);

	(void)state;
	assert_int_equal(fetch_to_file(&o, url, "/dev/full", &r, &err), -1);
	server_stop(&s);
	assert_int_equal(r.fault, FETCH_DISK);
	assert_int_equal(r.attempts, 1);	/* a full disk is not transient */
	assert_non_null(strstr(err.msg, "write /dev/full (disk full)"));
	free(url);
}

/* The announced size is reserved before the body arrives; the file's size
 * still says how many bytes came (resume reads it). */
static void test_reserves_announced_size(void **state)
{
	struct server s = { .resp = { "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n0123456789" }, .nresp = 1 };
	struct fetch_opts o = { .retries = 0 };
	struct fetch_result r;
	struct herd_err err = HERD_ERR_INIT;
	char *url = server_start(&s);
	struct stat st;

	(void)state;
	unlink(part);
	assert_int_equal(fetch_to_file(&o, url, part, &r, &err), -1);
	server_stop(&s);
	assert_int_equal(r.fault, FETCH_TRUNCATED);
	assert_int_equal(stat(part, &st), 0);
	assert_int_equal(st.st_size, 10);
	assert_true((uint64_t)st.st_blocks * 512 >= 1000000);
	free(url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_and_bad_url),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_resume_206),
		cmocka_unit_test(test_range_ignored_and_416),
		cmocka_unit_test(test_retry_503),
		cmocka_unit_test(test_sink_abort),
		cmocka_unit_test(test_disk_full_on_write),
		cmocka_unit_test(test_reserves_announced_size),
	};

	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("ALL_PROXY");
	unsetenv("all_proxy");
	return cmocka_run_group_tests(tests, setup, teardown);
}
