/* seed/keys.c — ed25519 key pairs with libssh, kept in the state directory. */
#include "seed/keys.h"

#include <errno.h>
#include <libssh/libssh.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/mem.h"
#include "common/fsio.h"

#define KEY_FILE_MAX 16384	/* an ed25519 private key is about 400 bytes */

void keys_pair_release(struct keys_pair *kp)
{
	if (kp == NULL)
		return;
	if (kp->private_key != NULL)	/* do not leave key bytes in freed memory */
		explicit_bzero(kp->private_key, strlen(kp->private_key));
	free(kp->private_key);
	free(kp->public_key);
	free(kp->private_path);
	memset(kp, 0, sizeof *kp);
}

/* Fill out from a private key's text: the public line is derived from it. */
static int pair_from_private(const char *priv, const char *comment,
			     struct keys_pair *out, struct herd_err *err)
{
	ssh_key key = NULL, pub = NULL;
	char *b64 = NULL;
	int rc = -1;

	if (ssh_pki_import_privkey_base64(priv, NULL, NULL, NULL, &key) != SSH_OK) {
		herd_errf(err, HERD_E_SSH, "not an unencrypted OpenSSH private key");
		goto out;
	}
	if (ssh_pki_export_privkey_to_pubkey(key, &pub) != SSH_OK ||
	    ssh_pki_export_pubkey_base64(pub, &b64) != SSH_OK) {
		herd_errf(err, HERD_E_SSH, "cannot derive the public key");
		goto out;
	}
	out->private_key = xstrdup(priv);
	out->public_key = xasprintf("%s %s%s%s", ssh_key_type_to_char(ssh_key_type(pub)),
				    b64, comment && *comment ? " " : "",
				    comment ? comment : "");
	rc = 0;
out:
	ssh_string_free_char(b64);
	ssh_key_free(pub);
	ssh_key_free(key);
	return rc;
}

int keys_generate(const char *comment, struct keys_pair *out, struct herd_err *err)
{
	ssh_key key = NULL;
	char *b64 = NULL, *text = NULL;
	size_t len;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK) {
		herd_errf(err, HERD_E_SSH, "generate an ed25519 key failed");
		goto out;
	}
	/* libssh writes ed25519 keys in the OpenSSH format sshd and cloud-init
	 * expect; unencrypted, as ssh-keygen -N "" would. */
	if (ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &b64) != SSH_OK) {
		herd_errf(err, HERD_E_SSH, "export an ed25519 private key failed");
		goto out;
	}
	len = strlen(b64);
	text = xasprintf("%s%s", b64, len > 0 && b64[len - 1] == '\n' ? "" : "\n");
	rc = pair_from_private(text, comment, out, err);
out:
	if (text != NULL)
		explicit_bzero(text, strlen(text));
	free(text);
	if (b64 != NULL)
		explicit_bzero(b64, strlen(b64));
	ssh_string_free_char(b64);
	ssh_key_free(key);
	return rc;
}

/* Load an existing private key.  Returns 0, 1 when there is none, -1. */
static int load_private(const char *path, const char *comment,
			struct keys_pair *out, struct herd_err *err)
{
	struct herd_err rerr = HERD_ERR_INIT;
	struct stat st;
	char *text = NULL;
	int rc = -1;

	if (fsio_read(path, KEY_FILE_MAX, 1, &text, NULL, &rerr) != 0) {
		if (rerr.sys_errno == ENOENT)
			return 1;
		if (err != NULL)
			*err = rerr;
		return -1;
	}
	if (stat(path, &st) != 0) {
		herd_errno(err, HERD_E_IO, errno, "stat %s", path);
		goto out;
	}
	/* Another user's key file is one that user chose (and may swap). */
	if (st.st_uid != geteuid()) {
		herd_errf(err, HERD_E_STATE, "private key %s belongs to uid %lu, not to uid "
			  "%lu that runs herd", path, (unsigned long)st.st_uid,
			  (unsigned long)geteuid());
		goto out;
	}
	/* ssh refuses such a key, and it must not leak: say so, do not fix. */
	if ((st.st_mode & 077) != 0) {
		herd_errf(err, HERD_E_STATE, "private key %s has mode %04o (run chmod 600 on it)",
			  path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (pair_from_private(text, comment, out, err) != 0) {
		herd_errctx(err, "%s", path);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(text, strlen(text));
	free(text);
	return rc;
}

/* Rewrite PATH.pub only when its content differs, so reuse writes nothing. */
static int sync_public(const char *pub_path, const char *line, struct herd_err *err)
{
	char *want = xasprintf("%s\n", line);
	char *have = NULL;
	int rc = 0;

	if (fsio_read(pub_path, KEY_FILE_MAX, 1, &have, NULL, NULL) != 0 ||
	    strcmp(have, want) != 0)
		rc = fsio_write_atomic(pub_path, want, strlen(want), 0644,
				       FSIO_REPLACE, err);
	free(have);
	free(want);
	return rc;
}

/* Load DIR/BASE or create it; on a lost creation race load the winner's. */
static int ensure_pair(const char *dir, const char *base, const char *comment,
		       struct keys_pair *out, struct herd_err *err)
{
	char *path = xasprintf("%s/%s", dir, base);
	char *pub_path = xasprintf("%s.pub", path);
	int attempt, r = -1;

	memset(out, 0, sizeof *out);
	for (attempt = 0; attempt < 2; attempt++) {
		r = load_private(path, comment, out, err);
		if (r <= 0)
			break;
		if (keys_generate(comment, out, err) != 0) {
			r = -1;
			break;
		}
		r = fsio_write_atomic(path, out->private_key, strlen(out->private_key),
				      0600, FSIO_EXCL | FSIO_SYNC, err);
		if (r <= 0)
			break;
		keys_pair_release(out);	/* another process made it first */
	}
	if (r == 0)
		r = sync_public(pub_path, out->public_key, err);
	if (r != 0) {
		if (r > 0)
			herd_errf(err, HERD_E_STATE, "%s keeps changing under herd", path);
		keys_pair_release(out);
		free(path);
	} else {
		out->private_path = path;
	}
	free(pub_path);
	return r == 0 ? 0 : -1;
}

int keys_ensure_fleet_key(const char *dir, const char *comment,
			  struct keys_pair *out, struct herd_err *err)
{
	memset(out, 0, sizeof *out);
	if (fsio_mkdirs(dir, 0700, err) != 0)
		return herd_errctx(err, "fleet key");
	if (ensure_pair(dir, "id_ed25519", comment, out, err) != 0)
		return herd_errctx(err, "fleet key");
	return 0;
}

static int vm_name_ok(const char *vm)
{
	size_t i, n = strlen(vm);

	if (n == 0 || n > 200 || vm[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", vm[i]))
			return 0;
	return 1;
}

int keys_ensure_host_key(const char *dir, const char *vm,
			 struct keys_pair *out, struct herd_err *err)
{
	char *hdir = NULL, *base = NULL;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (!vm_name_ok(vm))
		return herd_errf(err, HERD_E_USAGE, "host key: bad vm name \"%s\"", vm);
	hdir = xasprintf("%s/hostkeys", dir);
	base = xasprintf("%s_ed25519", vm);
	if (fsio_mkdirs(hdir, 0700, err) != 0 ||
	    ensure_pair(hdir, base, vm, out, err) != 0) {
		herd_errctx(err, "vm '%s': host key", vm);
		goto out;
	}
	rc = 0;
out:
	free(base);
	free(hdir);
	return rc;
}

/* Append "TYPE BASE64" of an OpenSSH public line (its comment dropped). */
static int add_key_fields(struct buf *b, const char *line)
{
	size_t t = strcspn(line, " \t");
	size_t s = t + strspn(line + t, " \t");
	size_t k = strcspn(line + s, " \t\r\n");

	if (t == 0 || s == t || k == 0)
		return -1;
	buf_add(b, line, t);
	buf_addc(b, ' ');
	buf_add(b, line + s, k);
	return 0;
}

char *keys_known_hosts_format(const struct keys_known_host *h, size_t n,
			      struct herd_err *err)
{
	struct buf b;
	size_t i, j;

	buf_init(&b);
	for (i = 0; i < n; i++) {
		if (h[i].nhosts == 0)
			goto bad;
		for (j = 0; j < h[i].nhosts; j++) {
			const char *host = h[i].hosts[j];

			if (host == NULL || *host == '\0' || host[strcspn(host, " \t\r\n,#")])
				goto bad;
			buf_addf(&b, "%s%s", j ? "," : "", host);
		}
		buf_addc(&b, ' ');
		if (h[i].public_key == NULL || add_key_fields(&b, h[i].public_key) != 0)
			goto bad;
		buf_addc(&b, '\n');
	}
	return buf_take(&b, NULL);
bad:
	herd_errf(err, HERD_E_USAGE, "known_hosts: entry %zu: bad host name or public key",
		  i + 1);
	buf_release(&b);
	return NULL;
}

int keys_write_known_hosts(const char *path, const struct keys_known_host *h,
			   size_t n, struct herd_err *err)
{
	char *text = keys_known_hosts_format(h, n, err);
	int rc;

	if (text == NULL)
		return -1;
	rc = fsio_write_atomic(path, text, strlen(text), 0644, FSIO_REPLACE, err);
	free(text);
	return rc;
}
