#include "plans/sshkey.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

static const char *const key_types[] = {
	"ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256",
	"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
};
#define N_TYPES (sizeof key_types / sizeof key_types[0])

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool sshkey_is_literal(const char *s)
{
	size_t word = strcspn(s, " \t\r\n");

	if (word == 0 || !is_blank(s[word]))
		return false;
	s += word;
	while (is_blank(*s))
		s++;
	return strncmp(s, "AAAA", 4) == 0;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict base64 (padding required, nothing after it) of s[0..len) into
 * out (at least len / 4 * 3 bytes); the decoded length, or -1. */
static long b64_decode(const char *s, size_t len, unsigned char *out)
{
	size_t i, o = 0, pad = 0;

	if (len == 0 || len % 4 != 0)
		return -1;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len; i += 4) {
		int v[4], k;
		for (k = 0; k < 4; k++) {
			bool padding = i + (size_t)k >= len - pad;
			v[k] = padding ? 0 : b64_value((unsigned char)s[i + k]);
			if (v[k] < 0 || (padding && s[i + k] != '='))
				return -1;
		}
		out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		out[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		out[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	return (long)(o - pad);
}

/* Length of the UTF-8 sequence at s (n bytes left) if it is a printable
 * character (no C1 control, no surrogate, not overlong), else 0. */
static size_t utf8_printable(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f ? 1 : 0;
	len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (len == 0 || len > n || s[0] > 0xf4)
		return 0;
	c = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff) || (c >= 0x80 && c <= 0x9f))
		return 0;
	return len;
}

static int check_comment(const char *s, size_t len, char *why, size_t whylen)
{
	size_t i, step;

	for (i = 0; i < len; i += step) {
		if (s[i] == '"' || s[i] == '\\') {
			snprintf(why, whylen, "its comment holds a '%c' (kickstart could "
				 "not quote it; change the comment)", s[i]);
			return -1;
		}
		step = utf8_printable((const unsigned char *)s + i, len - i);
		if (step == 0) {
			snprintf(why, whylen, "its comment holds a control character "
				 "or invalid UTF-8");
			return -1;
		}
	}
	return 0;
}

/* The blob decodes and names type as its first SSH string. */
static int check_blob(const char *type, size_t tlen, const char *b, size_t blen,
		      char *why, size_t whylen)
{
	unsigned char *raw = xmalloc(blen / 4 * 3 + 3);
	long n = b64_decode(b, blen, raw);
	uint32_t slen;
	int rc = -1;

	if (n < 0) {
		snprintf(why, whylen, "its key data is not base64");
		goto out;
	}
	slen = n >= 4 ? (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
			(uint32_t)raw[2] << 8 | raw[3] : 0;
	if (n < 4 || slen > (uint64_t)n - 4 || slen != tlen ||
	    memcmp(raw + 4, type, tlen) != 0) {
		snprintf(why, whylen, "its key data is not a %.*s key", (int)tlen, type);
		goto out;
	}
	if ((uint64_t)n - 4 - slen < 4) {
		snprintf(why, whylen, "its key data holds no key");
		goto out;
	}
	rc = 0;
out:
	free(raw);
	return rc;
}

int sshkey_check(const char *line, size_t len, char *why, size_t whylen)
{
	size_t i = 0, t0, tlen, b0, blen;

	if (len > SSHKEY_MAX_LINE) {
		snprintf(why, whylen, "longer than %d bytes: not a public key", SSHKEY_MAX_LINE);
		return -1;
	}
	if (memchr(line, '\0', len) != NULL) {
		snprintf(why, whylen, "holds a NUL byte: not a public key");
		return -1;
	}
	for (t0 = i; i < len && !is_blank(line[i]); i++)
		;
	tlen = i - t0;
	for (; i < len && is_blank(line[i]); i++)
		;
	for (b0 = i; i < len && !is_blank(line[i]); i++)
		;
	blen = i - b0;
	for (; i < len && is_blank(line[i]); i++)
		;
	if (tlen == 0 || blen == 0) {
		snprintf(why, whylen, "not an OpenSSH public key line (TYPE KEY [COMMENT], "
			 "like ssh-ed25519 AAAA... me@host)");
		return -1;
	}
	for (t0 = 0; t0 < N_TYPES; t0++)
		if (strlen(key_types[t0]) == tlen && memcmp(key_types[t0], line, tlen) == 0)
			break;
	if (t0 == N_TYPES) {
		snprintf(why, whylen, "not an OpenSSH public key line: the key type is not "
			 "one herd knows (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ...; no "
			 "options before it)");
		return -1;
	}
	if (check_blob(line, tlen, line + b0, blen, why, whylen) < 0)
		return -1;
	return check_comment(line + i, len - i, why, whylen);
}
