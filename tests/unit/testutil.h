/* tests/unit/testutil.h — what every cmocka unit test includes. */
#ifndef HERD_TESTUTIL_H
#define HERD_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif
