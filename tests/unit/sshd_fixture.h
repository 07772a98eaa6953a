/* tests/unit/sshd_fixture.h — a real OpenSSH server on 127.0.0.1 for tests.
 *
 * Included by test_sshc.c and test_execpar.c (static functions: one copy
 * per test program).  Makes a temporary directory with a host key, a client
 * key that is authorized, a second key that is not, and an sshd config for
 * a free port; starts `sshd -D -e -f CONFIG` (optionally after a delay, to
 * play a server that is slow to come up) and kills it by PID at teardown.
 * When sshd or ssh-keygen is missing or sshd does not start, fx->skip says
 * why and the tests skip.
 */
#ifndef HERD_SSHD_FIXTURE_H
#define HERD_SSHD_FIXTURE_H

#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FX_SSHD "/usr/sbin/sshd"
#define FX_MAX_SERVERS 4

struct sshd_fx {
	char dir[64];
	char user[64];
	char host_key_pub[512];	/* "ssh-ed25519 AAAA... comment" */
	char other_pub[512];	/* a key the server does not have */
	char client_key[128];	/* authorized */
	char other_key[128];	/* not authorized */
	char known_hosts[128];	/* "[127.0.0.1]:port" entry for port */
	int port;		/* the main server */
	pid_t pids[FX_MAX_SERVERS];
	int npids;
	const char *skip;	/* non-NULL: why the tests skip */
};

static void fx_path(const struct sshd_fx *fx, char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", fx->dir, name);
}

static int fx_read_line(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	int ok = f != NULL && fgets(out, (int)n, f) != NULL;

	if (f != NULL)
		fclose(f);
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	return ok ? 0 : -1;
}

static int fx_keygen(const struct sshd_fx *fx, const char *name)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd,
		 "ssh-keygen -q -t ed25519 -N '' -C herd-test -f %s/%s </dev/null",
		 fx->dir, name);
	return system(cmd) == 0 ? 0 : -1;
}

/* A port nothing listens on right now (the kernel's choice). */
static int fx_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int fx_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Write dir/sshd-PORT.conf; MaxStartups/MaxSessions high so parallel
 * logins are not throttled (the default MaxStartups 10:30:100 drops some). */
static int fx_write_config(const struct sshd_fx *fx, int port, char *conf, size_t n)
{
	char text[2048];

	snprintf(conf, n, "%s/sshd-%d.conf", fx->dir, port);
	snprintf(text, sizeof text,
		 "Port %d\nListenAddress 127.0.0.1\n"
		 "HostKey %s/host_ed25519\nAuthorizedKeysFile %s/authorized_keys\n"
		 "PidFile %s/sshd-%d.pid\nUsePAM no\nStrictModes no\n"
		 "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
		 "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\n"
		 "MaxStartups 200\nMaxSessions 100\nUseDNS no\nPrintMotd no\n"
		 "PrintLastLog no\nLogLevel ERROR\n",
		 port, fx->dir, fx->dir, fx->dir, port);
	return fx_write_file(conf, text);
}

static int fx_listening(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

static void fx_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* In the sshd child, as root: hide the login user's ~/.bashrc (bash reads
 * it for every ssh command; a developer's pyenv init costs more than the
 * login) behind /dev/null in a private mount namespace.  Best effort. */
static void fx_mask_bashrc(void)
{
	struct passwd *pw = getpwuid(getuid());
	char rc[256];

	if (getuid() != 0 || pw == NULL || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return;
	snprintf(rc, sizeof rc, "%s/.bashrc", pw->pw_dir);
	if (access(rc, F_OK) == 0)
		(void)mount("/dev/null", rc, NULL, MS_BIND, NULL);
}

/* Start sshd on port after delay_ms (in the child, so the caller is not
 * blocked).  Returns the pid (also remembered for teardown) or -1. */
static pid_t fx_start_sshd(struct sshd_fx *fx, int port, int delay_ms)
{
	char conf[160], log[160];
	pid_t pid;

	if (fx->npids == FX_MAX_SERVERS || fx_write_config(fx, port, conf, sizeof conf) < 0)
		return -1;
	snprintf(log, sizeof log, "%s/sshd-%d.log", fx->dir, port);
	pid = fork();
	if (pid == 0) {
		FILE *f = freopen(log, "a", stderr);

		(void)f;
		if (delay_ms > 0)
			fx_sleep_ms(delay_ms);
		fx_mask_bashrc();
		execl(FX_SSHD, FX_SSHD, "-D", "-e", "-f", conf, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		fx->pids[fx->npids++] = pid;
	return pid;
}

static int fx_wait_listening(int port, int timeout_ms)
{
	for (int t = 0; t < timeout_ms; t += 50) {
		if (fx_listening(port))
			return 0;
		fx_sleep_ms(50);
	}
	return -1;
}

static int fx_make_keys(struct sshd_fx *fx)
{
	char path[160], line[512];

	if (fx_keygen(fx, "host_ed25519") < 0 || fx_keygen(fx, "client") < 0 ||
	    fx_keygen(fx, "other") < 0)
		return -1;
	fx_path(fx, fx->client_key, sizeof fx->client_key, "client");
	fx_path(fx, fx->other_key, sizeof fx->other_key, "other");
	fx_path(fx, path, sizeof path, "host_ed25519.pub");
	if (fx_read_line(path, fx->host_key_pub, sizeof fx->host_key_pub) < 0)
		return -1;
	fx_path(fx, path, sizeof path, "other.pub");
	if (fx_read_line(path, fx->other_pub, sizeof fx->other_pub) < 0)
		return -1;
	fx_path(fx, path, sizeof path, "client.pub");
	if (fx_read_line(path, line, sizeof line) < 0)
		return -1;
	strcat(line, "\n");
	fx_path(fx, path, sizeof path, "authorized_keys");
	return fx_write_file(path, line);
}

/* Write a known_hosts file `name` with "[127.0.0.1]:port pub". */
static void fx_known_hosts(const struct sshd_fx *fx, const char *name, int port,
			   const char *pub, char *out, size_t n)
{
	char text[700];

	fx_path(fx, out, n, name);
	snprintf(text, sizeof text, "[127.0.0.1]:%d %s\n", port, pub);
	fx_write_file(out, text);
}

static void fx_setup(struct sshd_fx *fx)
{
	struct passwd *pw = getpwuid(getuid());

	memset(fx, 0, sizeof *fx);
	if (access(FX_SSHD, X_OK) != 0) {
		fx->skip = "sshd is not installed (openssh-server)";
		return;
	}
	if (system("command -v ssh-keygen >/dev/null") != 0) {
		fx->skip = "ssh-keygen is not installed (openssh-client)";
		return;
	}
	/* sshd refuses to start as root without its privilege separation dir. */
	if (getuid() == 0)
		mkdir("/run/sshd", 0755);
	snprintf(fx->dir, sizeof fx->dir, "/tmp/herd-sshd-XXXXXX");
	if (pw == NULL || mkdtemp(fx->dir) == NULL || fx_make_keys(fx) < 0) {
		fx->skip = "could not prepare keys in a temporary directory";
		return;
	}
	snprintf(fx->user, sizeof fx->user, "%s", pw->pw_name);
	fx->port = fx_free_port();
	if (fx->port < 0 || fx_start_sshd(fx, fx->port, 0) < 0 ||
	    fx_wait_listening(fx->port, 5000) < 0) {
		fx->skip = "sshd did not start (see /tmp/herd-sshd-*/sshd-*.log)";
		return;
	}
	fx_known_hosts(fx, "known_hosts", fx->port, fx->host_key_pub,
		       fx->known_hosts, sizeof fx->known_hosts);
}

static void fx_teardown(struct sshd_fx *fx)
{
	char cmd[128];

	for (int i = 0; i < fx->npids; i++) {
		kill(fx->pids[i], SIGTERM);
		waitpid(fx->pids[i], NULL, 0);
	}
	fx->npids = 0;
	if (fx->dir[0] != '\0' && fx->skip == NULL) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", fx->dir);
	}
}

/* A target for the main server, trusting by the expected host key. */
static struct sshc_target fx_target(const struct sshd_fx *fx, const char *name)
{
	struct sshc_target t = {
		.name = name, .host = "127.0.0.1", .port = fx->port,
		.user = fx->user, .key_path = fx->client_key,
		.host_key = fx->host_key_pub,
	};
	return t;
}

#define FX_SKIP_IF_NEEDED(fx)                                          \
	do {                                                           \
		if ((fx)->skip != NULL) {                              \
			print_message("skipped: %s\n", (fx)->skip);    \
			skip();                                        \
		}                                                      \
	} while (0)

#endif
