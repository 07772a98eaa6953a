/* tests/unit/test_linesplit.c — output chunks to whole lines. */
#include "testutil.h"

#include <string.h>

#include "orchestrator/reach/linesplit.h"

/* Lines as "S:text|" so boundaries and streams are visible. */
static void record(void *ud, int stream, const char *line, size_t len)
{
	buf_addf(ud, "%d:%.*s|", stream, (int)len, line);
}

static void test_chunks_join_into_lines(void **state)
{
	struct linesplit ls;
	struct buf got;

	(void)state;
	buf_init(&got);
	linesplit_init(&ls, 64, record, &got);
	linesplit_feed(&ls, 0, "he", 2);
	linesplit_feed(&ls, 1, "err\npart", 8);
	linesplit_feed(&ls, 0, "llo\n\nwor", 8);
	assert_string_equal(buf_str(&got), "1:err|0:hello|0:|");
	linesplit_feed(&ls, 0, "ld", 2);
	linesplit_finish(&ls);
	assert_string_equal(buf_str(&got), "1:err|0:hello|0:|0:world|1:part|");
	linesplit_finish(&ls);	/* twice is harmless */
	buf_release(&got);
}

static void test_long_lines_are_cut(void **state)
{
	struct linesplit ls;
	struct buf got;

	(void)state;
	buf_init(&got);
	linesplit_init(&ls, 4, record, &got);
	/* Exactly the limit then a newline: one piece, no empty line. */
	linesplit_feed(&ls, 0, "abcd\n", 5);
	linesplit_feed(&ls, 0, "abcdefghij\n", 11);
	linesplit_feed(&ls, 0, "ab", 2);
	linesplit_feed(&ls, 0, "cd", 2);
	linesplit_feed(&ls, 0, "\nx\n", 3);
	linesplit_finish(&ls);
	assert_string_equal(buf_str(&got), "0:abcd|0:abcd|0:efgh|0:ij|0:abcd|0:x|");
	buf_release(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunks_join_into_lines),
		cmocka_unit_test(test_long_lines_are_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
