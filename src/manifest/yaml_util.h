/*
 * Reading a YAML manifest with libyaml's document API, and the checks every
 * mapping shares: known keys (with a "did you mean"), no duplicate keys,
 * typed scalars, ${VAR} substitution.  Every problem is reported as
 * file:line:column and collected, so that one run shows the user all that
 * is wrong with a project instead of one thing at a time.
 *
 * Internal to the manifest module; only manifest.c includes this header.
 */
#ifndef OM_MANIFEST_YAML_UTIL_H
#define OM_MANIFEST_YAML_UTIL_H

#include <stdbool.h>
#include <yaml.h>

#include "core/diag.h"

/* Problems shown in d->msg before the rest are only counted. */
#define OM_YAML_MAX_SHOWN 10

/*
 * The problems found while loading: the first goes into d->msg through
 * om_diag_fail, the next ones are appended on lines of their own.
 */
struct om_yaml_errors {
  struct om_diag *d; /* where the messages go */
  int count;         /* problems found so far */
  int code;          /* 0, OM_EMANIFEST, or OM_ENOMEM once memory ran out */
};

void om_yaml_errors_init(struct om_yaml_errors *e, struct om_diag *d);

/*
 * Record one problem, prefixed "file:line:column: ", "file:line: " when
 * column is 0, "file: " when line is 0, nothing when file is NULL.
 */
void om_yaml_error(struct om_yaml_errors *e, const char *file, long line, long column,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Out of memory: replaces the collected messages, since nothing else can be trusted. */
void om_yaml_oom(struct om_yaml_errors *e);

/* Close the list ("and N more problems") and return 0 or the error code. */
int om_yaml_errors_finish(struct om_yaml_errors *e);

/* One parsed manifest file. */
struct om_yaml_file {
  const char *file;         /* path for messages; borrowed for the file's lifetime */
  const char *what;         /* "layer manifest" or "project manifest" */
  yaml_document_t doc;      /* the first document of the file */
  bool loaded;              /* doc holds a document to delete */
  struct om_yaml_errors *e; /* where problems go */
};

/*
 * Read and parse 'path' (shown in messages as given).  Returns 0 when the
 * file holds one document whose root is a mapping, else a negative code
 * with the problem recorded in e.  Call om_yaml_close in either case.
 */
int om_yaml_open(struct om_yaml_file *f, const char *path, const char *what,
                 struct om_yaml_errors *e);
void om_yaml_close(struct om_yaml_file *f);

/* The root mapping (valid after a successful om_yaml_open). */
yaml_node_t *om_yaml_root(struct om_yaml_file *f);
/* The node with the given id, or NULL. */
yaml_node_t *om_yaml_node(struct om_yaml_file *f, int id);

/* Report a problem at a node's start. */
void om_yaml_error_at(struct om_yaml_file *f, const yaml_node_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True for an empty plain scalar, '~' or 'null': YAML's null. */
bool om_yaml_is_null(const yaml_node_t *n);

/*
 * How a value reads in "must be X, not Y" messages: 'text' for a scalar
 * (shortened), "a list", "a mapping" or "nothing".  Returns buf.
 */
const char *om_yaml_describe(const yaml_node_t *n, char *buf, size_t size);

/*
 * Check the keys of a mapping: each must be a scalar, appear once and be
 * one of 'keys'; each of 'required' must be there with a value (both lists
 * NULL-terminated; required may be NULL).  An unknown key is reported as
 *   unknown key 'ouputs' in <where>; did you mean 'outputs'?
 * and a missing one as "<where> has no 'outputs'" at the mapping, unless a
 * misspelling of it was reported already.  Returns the problems found.
 */
int om_yaml_check_keys(struct om_yaml_file *f, yaml_node_t *map, const char *where,
                       const char *const *keys, const char *const *required);

/* The value of 'key' in a mapping, or NULL when absent or null. */
yaml_node_t *om_yaml_get(struct om_yaml_file *f, yaml_node_t *map, const char *key);

/*
 * A scalar's text with ${VAR} replaced from the environment ("$$" stands
 * for one "$").  'key' names the value in messages.  Returns a new string
 * (the caller frees it), or NULL after reporting the problem.
 */
char *om_yaml_text(struct om_yaml_file *f, yaml_node_t *n, const char *key);

/*
 * The string value of 'key' in a mapping: 0 with *out a new string (the
 * caller frees it), or NULL when the key is absent; -1 after reporting a
 * problem (not a scalar, empty, a bad ${VAR}).
 */
int om_yaml_string(struct om_yaml_file *f, yaml_node_t *map, const char *key, char **out);

/* The value of 'key' when it is a mapping; NULL when absent, or after reporting another kind. */
yaml_node_t *om_yaml_mapping(struct om_yaml_file *f, yaml_node_t *map, const char *key);

/*
 * The text of one item of the list named 'list' (a layer glob, an output
 * field): a new string, or NULL after reporting that it is not a non-empty
 * scalar ("each item of 'list' must be <expect>, not a mapping").
 */
char *om_yaml_item(struct om_yaml_file *f, yaml_node_t *item, const char *list, const char *expect);

/* Number of items in a sequence node. */
size_t om_yaml_length(const yaml_node_t *seq);

/*
 * The integer value of node n for 'key', within [min, max]:  0, or -1
 * after reporting "'key' must be <expect>, not 'value'".
 */
int om_yaml_integer(struct om_yaml_file *f, yaml_node_t *n, const char *key, long min, long max,
                    const char *expect, long *out);

/*
 * The boolean value of node n for 'key' (true/false, yes/no, on/off): 0,
 * or -1 after reporting "'key' must be true or false, not 'value'".
 */
int om_yaml_boolean(struct om_yaml_file *f, yaml_node_t *n, const char *key, bool *out);

/* Damerau-Levenshtein (optimal string alignment) distance, for suggestions. */
int om_yaml_distance(const char *a, const char *b);

#endif
