/* common/log.h — every diagnostic herd prints goes through here.
 *
 * Only orchestrator/cli/ calls these.  Messages
 * go to stderr prefixed "herd: " (errors, warnings) or unprefixed (info).
 * -q silences info, -v enables debug.
 */
#ifndef HERD_LOG_H
#define HERD_LOG_H

#include "err.h"

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "herd: <err->msg>" as an error. */
void log_err(const struct herd_err *err);

#endif
