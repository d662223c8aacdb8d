/*
 * Writing JSON text: string literals with the escaping every JSON output
 * of the project uses.
 */
#ifndef OM_CORE_JSON_H
#define OM_CORE_JSON_H

#include <stdio.h>

/* A JSON string literal (quotes included): " and \ escaped, control characters as \u00XX;
 * NULL writes "". */
void om_json_put_string(FILE *f, const char *text);

#endif
