#include "plans/namepat.h"

#include <stdio.h>
#include <string.h>

enum var { VAR_INDEX, VAR_N, VAR_GROUP, VAR_FLEET, VAR_BAD };

static const char *const var_names[] = { "index", "n", "group", "fleet" };

/* At s (just past "{{"): which variable, and where the text resumes. */
static enum var parse_var(const char *s, const char **next)
{
	const char *end = strstr(s, "}}"), *a = s, *b;
	size_t i;

	if (end == NULL)
		return VAR_BAD;
	b = end;
	while (a < b && *a == ' ')
		a++;
	while (b > a && b[-1] == ' ')
		b--;
	*next = end + 2;
	for (i = 0; i < sizeof var_names / sizeof var_names[0]; i++)
		if (strlen(var_names[i]) == (size_t)(b - a) &&
		    memcmp(var_names[i], a, (size_t)(b - a)) == 0)
			return (enum var)i;
	return VAR_BAD;
}

int namepat_check(const char *pattern, const char **bad, size_t *badlen,
		  bool *numbered)
{
	const char *p = pattern, *open, *next = NULL;

	*numbered = false;
	while ((open = strstr(p, "{{")) != NULL) {
		enum var v = parse_var(open + 2, &next);
		if (v == VAR_BAD) {
			const char *end = strstr(open + 2, "}}");
			*bad = open;
			*badlen = end ? (size_t)(end + 2 - open) : strlen(open);
			return -1;
		}
		if (v == VAR_INDEX || v == VAR_N)
			*numbered = true;
		p = next;
	}
	return 0;
}

unsigned namepat_width(unsigned count)
{
	unsigned w = 1;

	while (count >= 10) {
		count /= 10;
		w++;
	}
	return w;
}

size_t namepat_render(char *out, size_t outlen, const char *pattern,
		      const char *fleet, const char *group, unsigned index,
		      unsigned width)
{
	const char *p = pattern, *open, *next = pattern;
	size_t len = 0;
	char num[16];

#define PUT(s, n) do { size_t n_ = (n); \
		if (len < outlen) memcpy(out + len, s, len + n_ < outlen ? n_ : outlen - len); \
		len += n_; } while (0)
	while ((open = strstr(p, "{{")) != NULL) {
		enum var v = parse_var(open + 2, &next);
		PUT(p, (size_t)(open - p));
		if (v == VAR_INDEX || v == VAR_N) {
			int n = snprintf(num, sizeof num, "%0*u",
					 v == VAR_INDEX ? (int)width : 1, index);
			PUT(num, (size_t)n);
		} else if (v == VAR_GROUP || v == VAR_FLEET) {
			const char *s = v == VAR_GROUP ? group : fleet;
			PUT(s ? s : "", s ? strlen(s) : 0);
		} else {
			next = open + strlen(open);	/* unchecked pattern: stop */
		}
		p = next;
	}
	PUT(p, strlen(p));
#undef PUT
	if (outlen > 0)
		out[len < outlen ? len : outlen - 1] = '\0';
	return len;
}
