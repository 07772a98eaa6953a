/* seed/keys.h — SSH key pairs (ed25519, through libssh) and known_hosts.
 *
 * The fleet key pair logs herd in to every VM; per-VM host keys are made by
 * herd and injected through cloud-init's `ssh_keys`, so herd knows each
 * guest's host key before the first connection.  Both live in the fleet's
 * state directory and are created once, then reused: re-rendering a seed
 * gives the same keys.
 *
 * Layout of the state directory (every directory 0700, created if missing):
 *   DIR/id_ed25519, DIR/id_ed25519.pub                 the fleet key
 *   DIR/hostkeys/VM_ed25519, DIR/hostkeys/VM_ed25519.pub  per-VM host keys
 * Private keys are 0600 (created O_CREAT|O_EXCL then fchmod, whatever the
 * umask), public keys 0644.  The private key is the source of truth: a lost
 * .pub file is rebuilt from it.
 */
#ifndef HERD_KEYS_H
#define HERD_KEYS_H

#include <stddef.h>

#include "common/err.h"

/* A key pair as text.  Everything is owned by the struct: release it with
 * keys_pair_release(), which also accepts a zeroed struct. */
struct keys_pair {
	char *private_key;	/* OpenSSH private key ("-----BEGIN OPENSSH
				 * PRIVATE KEY-----..."), ends with '\n' */
	char *public_key;	/* one OpenSSH line, no '\n':
				 * "ssh-ed25519 AAAA... comment" */
	char *private_path;	/* file holding private_key, NULL if none */
};

void keys_pair_release(struct keys_pair *kp);

/* Make a new ed25519 pair in memory (nothing is written; private_path is
 * NULL).  comment ends the public line (NULL or "" for none; no spaces
 * needed).  Returns 0, or -1 with err set (HERD_E_SSH) and *out zeroed. */
int keys_generate(const char *comment, struct keys_pair *out, struct herd_err *err);

/* The fleet key: create dir (mode 0700, with missing parents) and the pair
 * DIR/id_ed25519 on the first call, load it on later calls (two processes
 * racing agree on one key).  The public line ends with comment.
 * Returns 0 with *out filled (the caller releases it), or -1 with err set
 * (HERD_E_IO for files, HERD_E_SSH for a key libssh cannot read, HERD_E_STATE
 * for a private key other users may read, or one another user owns) and
 * *out zeroed. */
int keys_ensure_fleet_key(const char *dir, const char *comment,
			  struct keys_pair *out, struct herd_err *err);

/* The host key of VM vm (a name of [A-Za-z0-9._-], not starting with '.'):
 * created in DIR/hostkeys on the first call, loaded afterwards.  The public
 * line's comment is the VM's name.  For user-data, private_key goes under
 * ssh_keys.ed25519_private and public_key under ssh_keys.ed25519_public.
 * Returns and errors as keys_ensure_fleet_key (HERD_E_USAGE for a bad vm). */
int keys_ensure_host_key(const char *dir, const char *vm,
			 struct keys_pair *out, struct herd_err *err);

/* One known_hosts line: the names and addresses a VM is reached by (each a
 * host name, an address, or "[host]:port"; no spaces, commas or '#') and
 * its host public key (an OpenSSH line; a comment in it is dropped). */
struct keys_known_host {
	const char *const *hosts;
	size_t nhosts;
	const char *public_key;
};

/* Format known_hosts text, one "host1,host2 ssh-ed25519 AAAA...\n" line
 * per entry, in the order given.  Returns a new string (the caller frees
 * it), or NULL with err set (HERD_E_USAGE) for an empty or bad host list or
 * a public key that is not "TYPE BASE64". */
char *keys_known_hosts_format(const struct keys_known_host *h, size_t n,
			      struct herd_err *err);

/* Write that text atomically to path (mode 0644, replacing the file).
 * Returns 0, or -1 with err set as above or HERD_E_IO. */
int keys_write_known_hosts(const char *path, const struct keys_known_host *h,
			   size_t n, struct herd_err *err);

#endif
