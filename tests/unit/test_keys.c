/* tests/unit/test_keys.c — seed/keys: modes whatever the umask, reuse,
 * keys that libssh and OpenSSH's ssh-keygen accept, known_hosts. */
#include "testutil.h"

#include <libssh/libssh.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seed/keys.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/herd-test-keys-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *path_in(const char *rel)
{
	char *p = malloc(256);

	snprintf(p, 256, "%s/%s", tmpdir, rel);
	return p;
}

static unsigned mode_of(const char *rel)
{
	char *p = path_in(rel);
	struct stat st;

	assert_int_equal(lstat(p, &st), 0);
	free(p);
	return (unsigned)(st.st_mode & 07777);
}

/* The public line parses as an ed25519 key and matches the private key. */
static void assert_pair_valid(const struct keys_pair *kp)
{
	ssh_key priv = NULL, pub = NULL;
	char type[32], b64[256];

	assert_int_equal(sscanf(kp->public_key, "%31s %255s", type, b64), 2);
	assert_string_equal(type, "ssh-ed25519");
	assert_int_equal(ssh_pki_import_pubkey_base64(b64, SSH_KEYTYPE_ED25519, &pub), SSH_OK);
	assert_int_equal(ssh_pki_import_privkey_base64(kp->private_key, NULL, NULL, NULL, &priv), SSH_OK);
	assert_int_equal(ssh_key_cmp(priv, pub, SSH_KEY_CMP_PUBLIC), 0);
	assert_non_null(strstr(kp->private_key, "-----BEGIN OPENSSH PRIVATE KEY-----"));
	assert_int_equal(kp->private_key[strlen(kp->private_key) - 1], '\n');
	ssh_key_free(priv);
	ssh_key_free(pub);
}

/* OpenSSH's own tool derives the same public key from the file. */
static void assert_ssh_keygen_agrees(const char *priv_path, const char *public_key)
{
	char cmd[512], line[512];
	FILE *p;

	snprintf(cmd, sizeof cmd, "ssh-keygen -y -f '%s' 2>&1", priv_path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof line, p));
	assert_int_equal(pclose(p), 0);
	line[strcspn(line, "\n")] = '\0';
	/* ssh-keygen prints "TYPE BASE64 [comment]"; compare TYPE BASE64. */
	assert_int_equal(strncmp(line, public_key, strcspn(public_key + 12, " ") + 12), 0);
}

static void test_fleet_key_created_with_modes(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct keys_pair kp;
	char *dir = path_in("state/herd/lab");
	mode_t old;

	(void)state;
	old = umask(0277);	/* would give 0500 dirs and 0400 files if obeyed */
	assert_int_equal(keys_ensure_fleet_key(dir, "herd-lab", &kp, &err), 0);
	umask(old);
	assert_int_equal(mode_of("state"), 0700);
	assert_int_equal(mode_of("state/herd/lab"), 0700);
	assert_int_equal(mode_of("state/herd/lab/id_ed25519"), 0600);
	assert_int_equal(mode_of("state/herd/lab/id_ed25519.pub"), 0644);
	assert_pair_valid(&kp);
	assert_non_null(strstr(kp.public_key, " herd-lab"));
	assert_non_null(strstr(kp.private_path, "state/herd/lab/id_ed25519"));
	assert_ssh_keygen_agrees(kp.private_path, kp.public_key);
	keys_pair_release(&kp);
	free(dir);
}

static void test_fleet_key_reused(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct keys_pair a, b;
	char *dir = path_in("fleet"), *pub = path_in("fleet/id_ed25519.pub");
	struct stat st1, st2;

	(void)state;
	assert_int_equal(keys_ensure_fleet_key(dir, "c", &a, &err), 0);
	assert_int_equal(stat(a.private_path, &st1), 0);
	assert_int_equal(keys_ensure_fleet_key(dir, "c", &b, &err), 0);
	assert_int_equal(stat(b.private_path, &st2), 0);
	assert_string_equal(a.private_key, b.private_key);
	assert_string_equal(a.public_key, b.public_key);
	assert_int_equal(st1.st_ino, st2.st_ino);	/* not rewritten */
	keys_pair_release(&b);
	/* A lost .pub is rebuilt from the private key. */
	assert_int_equal(unlink(pub), 0);
	assert_int_equal(keys_ensure_fleet_key(dir, "c", &b, &err), 0);
	assert_string_equal(a.public_key, b.public_key);
	assert_int_equal(access(pub, F_OK), 0);
	keys_pair_release(&a);
	keys_pair_release(&b);
	free(dir);
	free(pub);
}

static void test_fleet_key_loose_mode_refused(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct keys_pair kp;
	char *dir = path_in("loose"), *priv = path_in("loose/id_ed25519");

	(void)state;
	assert_int_equal(keys_ensure_fleet_key(dir, NULL, &kp, &err), 0);
	keys_pair_release(&kp);
	assert_int_equal(chmod(priv, 0644), 0);
	assert_int_equal(keys_ensure_fleet_key(dir, NULL, &kp, &err), -1);
	assert_int_equal(err.code, HERD_E_STATE);
	assert_non_null(strstr(err.msg, "chmod 600"));
	assert_null(kp.private_key);
	free(dir);
	free(priv);
}

/* A key file another user owns is refused, whatever its mode: that user
 * chose the key (and can swap it).  Needs root to give the file away. */
static void test_fleet_key_other_owner_refused(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct keys_pair kp;
	char *dir = path_in("owner"), *priv = path_in("owner/id_ed25519");

	(void)state;
	if (geteuid() != 0) {
		free(dir);
		free(priv);
		skip();
	}
	assert_int_equal(keys_ensure_fleet_key(dir, NULL, &kp, &err), 0);
	keys_pair_release(&kp);
	assert_int_equal(chown(priv, 1, 1), 0);
	assert_int_equal(keys_ensure_fleet_key(dir, NULL, &kp, &err), -1);
	assert_int_equal(err.code, HERD_E_STATE);
	assert_non_null(strstr(err.msg, "belongs to uid 1"));
	assert_null(kp.private_key);
	free(dir);
	free(priv);
}

/* Two processes creating the key at once end with one key. */
static void test_fleet_key_race(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct keys_pair kp;
	char *dir = path_in("race");
	char seen[2][256];
	int fds[2][2], i, status;
	pid_t pid[2];

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(pipe(fds[i]), 0);
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			if (keys_ensure_fleet_key(dir, NULL, &kp, &err) != 0)
				_exit(1);
			if (write(fds[i][1], kp.public_key, strlen(kp.public_key) + 1) < 0)
				_exit(1);
			_exit(0);
		}
		close(fds[i][1]);
	}
	for (i = 0; i < 2; i++) {
		memset(seen[i], 0, sizeof seen[i]);
		assert_true(read(fds[i][0], seen[i], sizeof seen[i] - 1) > 0);
		close(fds[i][0]);
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_string_equal(seen[0], seen[1]);
	free(dir);
}

static void test_host_keys(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct keys_pair a, b, a2;
	char *dir = path_in("hk");

	(void)state;
	assert_int_equal(keys_ensure_host_key(dir, "web-1", &a, &err), 0);
	assert_int_equal(keys_ensure_host_key(dir, "web-2", &b, &err), 0);
	assert_int_equal(keys_ensure_host_key(dir, "web-1", &a2, &err), 0);
	assert_pair_valid(&a);
	assert_string_not_equal(a.public_key, b.public_key);
	assert_string_equal(a.private_key, a2.private_key);
	assert_string_equal(a.public_key, a2.public_key);
	assert_non_null(strstr(a.public_key, " web-1"));
	assert_int_equal(mode_of("hk/hostkeys"), 0700);
	assert_int_equal(mode_of("hk/hostkeys/web-1_ed25519"), 0600);
	assert_ssh_keygen_agrees(a.private_path, a.public_key);
	keys_pair_release(&a);
	keys_pair_release(&b);
	keys_pair_release(&a2);
	assert_int_equal(keys_ensure_host_key(dir, "../x", &a, &err), -1);
	assert_int_equal(err.code, HERD_E_USAGE);
	assert_int_equal(keys_ensure_host_key(dir, ".hidden", &a, &err), -1);
	free(dir);
}

static void test_known_hosts(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct keys_pair a, b;
	const char *ha[] = { "lab-web-1", "10.42.0.11" };
	const char *hb[] = { "[127.0.0.1]:2222" };
	const char *bad[] = { "two words" };
	struct keys_known_host h[2];
	char *path = path_in("known_hosts"), *text, cmd[512], *want;

	(void)state;
	assert_int_equal(keys_generate("web-1", &a, &err), 0);
	assert_int_equal(keys_generate(NULL, &b, &err), 0);
	assert_null(a.private_path);
	h[0] = (struct keys_known_host){ ha, 2, a.public_key };
	h[1] = (struct keys_known_host){ hb, 1, b.public_key };
	text = keys_known_hosts_format(h, 2, &err);
	assert_non_null(text);
	want = malloc(strlen(text) + 64);
	/* "lab-web-1,10.42.0.11 ssh-ed25519 AAAA…" without the " web-1" comment */
	sprintf(want, "lab-web-1,10.42.0.11 %.*s\n", (int)(strlen(a.public_key) - 6), a.public_key);
	assert_int_equal(strncmp(text, want, strlen(want)), 0);
	assert_int_equal(strncmp(text + strlen(want), "[127.0.0.1]:2222 ssh-ed25519 ", 29), 0);
	assert_int_equal(keys_write_known_hosts(path, h, 2, &err), 0);
	assert_int_equal(mode_of("known_hosts"), 0644);
	/* ssh-keygen finds each host by every name it was given. */
	snprintf(cmd, sizeof cmd, "ssh-keygen -F 10.42.0.11 -f '%s' >/dev/null && "
		 "ssh-keygen -F lab-web-1 -f '%s' >/dev/null && "
		 "ssh-keygen -F '[127.0.0.1]:2222' -f '%s' >/dev/null && "
		 "! ssh-keygen -F web-2 -f '%s' >/dev/null", path, path, path, path);
	assert_int_equal(system(cmd), 0);
	h[1].hosts = bad;
	assert_null(keys_known_hosts_format(h, 2, &err));
	assert_int_equal(err.code, HERD_E_USAGE);
	h[1].hosts = hb;
	h[1].public_key = "nospace";
	assert_int_equal(keys_write_known_hosts(path, h, 2, &err), -1);
	free(text);
	free(want);
	free(path);
	keys_pair_release(&a);
	keys_pair_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fleet_key_created_with_modes),
		cmocka_unit_test(test_fleet_key_reused),
		cmocka_unit_test(test_fleet_key_loose_mode_refused),
		cmocka_unit_test(test_fleet_key_other_owner_refused),
		cmocka_unit_test(test_fleet_key_race),
		cmocka_unit_test(test_host_keys),
		cmocka_unit_test(test_known_hosts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
