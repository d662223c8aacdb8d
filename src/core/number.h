/*
 * Numbers as spreadsheets write them.  A decimal comma is understood only
 * where the source declares it: "1,234" could be one and a quarter or one
 * thousand two hundred and thirty-four, so without a declaration it is
 * rejected, never guessed.
 */
#ifndef OM_CORE_NUMBER_H
#define OM_CORE_NUMBER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"

/*
 * Parse a decimal number (surrounding spaces allowed).  decimal is '.' or
 * ',' when declared, 0 when not.  Returns OM_REASON_NONE, NOT_A_NUMBER,
 * AMBIGUOUS_DECIMAL or NOT_FINITE (nan, inf), with a hint in detail.
 */
enum om_reason om_number_parse(const char *text, char decimal, double *out, char *detail,
                               size_t detail_size);

/*
 * Parse an integer: digits with an optional sign, no leading zeros unless
 * the number is 0, within int64.  NOT_AN_INTEGER otherwise.
 */
enum om_reason om_integer_parse(const char *text, long long *out);

/* True if text is an integer in canonical form ("-12", "0"; not "007", "+1"). */
bool om_is_canonical_integer(const char *text);
/* True if text is a number in JSON's grammar ("-1.5e3"; not ".5", "1.", "+1"). */
bool om_is_canonical_real(const char *text);

/* Write v in the shortest form that reads back to the same double. */
void om_format_double(char buf[32], double v);

#endif
