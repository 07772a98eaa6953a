/* tests/unit/test_kickstart.c — the installer's command line. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "seed/kickstart.h"

static void expect_args(const char *args, const char *want)
{
	char *got = kickstart_boot_args(args);

	assert_string_equal(got, want);
	free(got);
}

static void test_appends_the_oemdrv_ks(void **state)
{
	(void)state;
	expect_args("inst.repo=http://10.60.0.1/alma9 inst.text console=ttyS0",
		    "inst.repo=http://10.60.0.1/alma9 inst.text console=ttyS0 "
		    "inst.ks=hd:LABEL=OEMDRV:/ks.cfg");
	expect_args(NULL, "inst.ks=hd:LABEL=OEMDRV:/ks.cfg");
	expect_args("", "inst.ks=hd:LABEL=OEMDRV:/ks.cfg");
}

static void test_keeps_a_given_ks(void **state)
{
	(void)state;
	expect_args("inst.ks=http://x/ks.cfg inst.text", "inst.ks=http://x/ks.cfg inst.text");
	expect_args("console=ttyS0  ks=cdrom:/ks.cfg", "console=ttyS0  ks=cdrom:/ks.cfg");
	/* words that only contain ks= are not a kickstart location */
	expect_args("bootks=1 inst.ksx=2", "bootks=1 inst.ksx=2 inst.ks=hd:LABEL=OEMDRV:/ks.cfg");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_appends_the_oemdrv_ks),
		cmocka_unit_test(test_keeps_a_given_ks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
