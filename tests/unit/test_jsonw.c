#include "testutil.h"

#include <stdlib.h>

#include "common/buf.h"
#include "common/jsonw.h"

static void escapes_specials(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	jsonw_str(&b, "a\"b\\c\nd\x01");
	assert_string_equal(buf_str(&b), "\"a\\\"b\\\\c\\nd\\u0001\"");
	buf_reset(&b);
	jsonw_str(&b, NULL);
	assert_string_equal(buf_str(&b), "null");
	buf_reset(&b);
	jsonw_key(&b, "k");
	assert_string_equal(buf_str(&b), "\"k\": ");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_specials),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
