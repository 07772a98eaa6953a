/* plans/sshkey.h — one OpenSSH public key line, checked before it goes
 * into a seed (cloud-config's ssh_authorized_keys, kickstart's sshkey).
 *
 * A line is "TYPE BLOB [COMMENT]", fields separated by spaces or tabs:
 *  - TYPE is a key type OpenSSH knows (ssh-ed25519, ssh-rsa, ssh-dss,
 *    ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com,
 *    sk-ecdsa-sha2-nistp256@openssh.com);
 *  - BLOB is base64 that decodes to the key, whose first field (an SSH
 *    string) is TYPE again;
 *  - COMMENT is the rest of the line: printable text (UTF-8 allowed), no
 *    control characters, and neither '"' nor '\' (ks.cfg puts keys in
 *    double quotes, where those two would end or escape the quoting).
 * No authorized_keys options (from="...", command="..."): herd writes the
 * options of the keys it installs, and an option is a place to hide a
 * command.
 */
#ifndef HERD_SSHKEY_H
#define HERD_SSHKEY_H

#include <stdbool.h>
#include <stddef.h>

#define SSHKEY_MAX_LINE 16384	/* longer than any real key (RSA 16384 is ~2.8 KB) */

/* Check line[0..len) (no newline).  Returns 0, or -1 with why (a message
 * that never quotes the line: it may come from a file that is not a key)
 * written into why[whylen]. */
int sshkey_check(const char *line, size_t len, char *why, size_t whylen);

/* True when s looks like a key written out rather than a file's path: a
 * first word, blanks, then "AAAA" (every key blob starts so: the length
 * of its type string). */
bool sshkey_is_literal(const char *s);

#endif
