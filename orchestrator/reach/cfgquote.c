/* orchestrator/reach/cfgquote.c — values into ssh_config, INI and shell
 * syntax. */
#include "orchestrator/reach/cfgquote.h"

#include <string.h>

int cfgquote_check(const char *s, const char *what, struct herd_err *err)
{
	const unsigned char *p;

	if (s == NULL)
		return herd_errf(err, HERD_E_USAGE, "%s: no value", what);
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return herd_errf(err, HERD_E_USAGE, "%s \"%.80s\" holds a control "
					 "character: it cannot be written safely", what, s);
	return 0;
}

bool cfgquote_is_name(const char *s)
{
	if (s == NULL || *s == '\0' || *s == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") == strlen(s);
}

int cfgquote_ssh(struct buf *b, const char *s, bool tokens, const char *what,
		 struct herd_err *err)
{
	/* ssh_config splits on blanks, strips quotes, reads \" \\ \' as
	 * escapes, and a word starting with '#' is a comment */
	bool quote = *s == '\0' || *s == '#' || s[strcspn(s, " \t\"'\\")] != '\0';
	const char *p;

	if (cfgquote_check(s, what, err) < 0)
		return -1;
	if (quote)
		buf_addc(b, '"');
	for (p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addc(b, '\\');
		if (*p == '%' && tokens)
			buf_addc(b, '%');
		buf_addc(b, *p);
	}
	if (quote)
		buf_addc(b, '"');
	return 0;
}

/* A word literal_eval refuses (so Ansible keeps it as the string it is)
 * and INI and shlex read as one: a letter, '/', '.', '~' or '_' first,
 * then letters, digits and "._/-~", and no Python constant. */
static bool ini_plain(const char *s)
{
	static const char *const consts[] = { "True", "False", "None" };
	size_t i;

	bool letter = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z');

	if (*s == '\0' || (!letter && strchr("/._~", *s) == NULL))
		return false;
	for (i = 0; i < sizeof consts / sizeof consts[0]; i++)
		if (strcmp(s, consts[i]) == 0)
			return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._/-~") == strlen(s);
}

int cfgquote_ini(struct buf *b, const char *s, const char *what, struct herd_err *err)
{
	const char *p;

	if (cfgquote_check(s, what, err) < 0)
		return -1;
	if (ini_plain(s)) {
		buf_adds(b, s);
		return 0;
	}
	buf_addc(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'' || *p == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *p);
	}
	buf_addc(b, '\'');
	return 0;
}

void cfgquote_sh(struct buf *b, const char *s)
{
	const char *p;

	if (*s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789._/-=:,+@%") == strlen(s)) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '\'');
}
