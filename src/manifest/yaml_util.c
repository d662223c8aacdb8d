/*
 * libyaml's document API gives every node its start mark, which is all the
 * manifest needs for file:line:column messages; the event API would only
 * add bookkeeping.  Marks are 0-based in libyaml and 1-based in messages.
 */
#include "manifest/yaml_util.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A manifest larger than this is not a manifest. */
#define MAX_MANIFEST_BYTES ((size_t)4 << 20)

void om_yaml_errors_init(struct om_yaml_errors *e, struct om_diag *d)
{
  e->d = d;
  e->count = 0;
  e->code = 0;
}

void om_yaml_error(struct om_yaml_errors *e, const char *file, long line, long column,
                   const char *fmt, ...)
{
  if (e->code == OM_ENOMEM)
    return;
  e->count++;
  e->code = OM_EMANIFEST;
  if (e->count > OM_YAML_MAX_SHOWN)
    return;

  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);

  char where[640] = "";
  if (file && line > 0 && column > 0)
    snprintf(where, sizeof where, "%s:%ld:%ld: ", file, line, column);
  else if (file && line > 0)
    snprintf(where, sizeof where, "%s:%ld: ", file, line);
  else if (file)
    snprintf(where, sizeof where, "%s: ", file);

  if (e->count == 1) {
    om_diag_fail(e->d, OM_EMANIFEST, "%s%s", where, text);
    return;
  }
  size_t used = strnlen(e->d->msg, sizeof e->d->msg);
  if (used + 1 < sizeof e->d->msg)
    snprintf(e->d->msg + used, sizeof e->d->msg - used, "\n%s%s", where, text);
}

void om_yaml_oom(struct om_yaml_errors *e)
{
  e->code = om_diag_fail(e->d, OM_ENOMEM, "out of memory");
}

int om_yaml_errors_finish(struct om_yaml_errors *e)
{
  if (e->code == OM_EMANIFEST && e->count > OM_YAML_MAX_SHOWN) {
    size_t used = strnlen(e->d->msg, sizeof e->d->msg);
    int more = e->count - OM_YAML_MAX_SHOWN;
    if (used + 1 < sizeof e->d->msg)
      snprintf(e->d->msg + used, sizeof e->d->msg - used, "\nand %d more problem%s", more,
               more == 1 ? "" : "s");
  }
  return e->code;
}

/* The whole file in memory, NUL-terminated; NULL after reporting why not. */
static char *read_all(const char *path, size_t *len, struct om_yaml_errors *e)
{
  FILE *in = fopen(path, "rb");
  if (!in) {
    om_yaml_error(e, NULL, 0, 0, "cannot open '%s': %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) {
      om_yaml_oom(e);
      break;
    }
    if (n + 1 == cap) {
      if (cap > MAX_MANIFEST_BYTES) {
        om_yaml_error(e, NULL, 0, 0, "'%s' is too large for a manifest", path);
        break;
      }
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        free(buf);
        buf = NULL;
        continue;
      }
      buf = bigger;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, in);
    n += got;
    if (got > 0)
      continue;
    if (!ferror(in)) {
      fclose(in);
      buf[n] = '\0';
      *len = n;
      return buf;
    }
    om_yaml_error(e, NULL, 0, 0, "cannot read '%s': %s", path, strerror(errno));
    break;
  }
  free(buf);
  fclose(in);
  return NULL;
}

/* Report a libyaml failure at its position. */
static void parse_error(struct om_yaml_file *f, const yaml_parser_t *p, const char *buf, size_t len)
{
  if (p->error == YAML_MEMORY_ERROR) {
    om_yaml_oom(f->e);
    return;
  }
  const char *problem = p->problem ? p->problem : "invalid YAML";
  if (p->error == YAML_READER_ERROR) {
    /* The reader knows only a byte offset: turn it into line and column. */
    long line = 1, column = 1;
    for (size_t i = 0; i < p->problem_offset && i < len; i++) {
      if (buf[i] == '\n')
        line++, column = 1;
      else if (((unsigned char)buf[i] & 0xC0) != 0x80)
        column++;
    }
    om_yaml_error(f->e, f->file, line, column, "%s", problem);
    return;
  }
  om_yaml_error(f->e, f->file, (long)p->problem_mark.line + 1, (long)p->problem_mark.column + 1,
                "%s", problem);
}

int om_yaml_open(struct om_yaml_file *f, const char *path, const char *what,
                 struct om_yaml_errors *e)
{
  memset(f, 0, sizeof *f);
  f->file = path;
  f->what = what;
  f->e = e;

  size_t len = 0;
  char *buf = read_all(path, &len, e);
  if (!buf)
    return e->code;

  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    free(buf);
    om_yaml_oom(e);
    return e->code;
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
  int rc = 0;
  if (!yaml_parser_load(&parser, &f->doc)) {
    parse_error(f, &parser, buf, len);
    rc = e->code;
  } else {
    f->loaded = true;
    yaml_node_t *root = yaml_document_get_root_node(&f->doc);
    yaml_document_t next;
    if (!root) {
      om_yaml_error(e, f->file, 0, 0, "the %s is empty", what);
      rc = e->code;
    } else if (!yaml_parser_load(&parser, &next)) {
      parse_error(f, &parser, buf, len);
      rc = e->code;
    } else {
      yaml_node_t *extra = yaml_document_get_root_node(&next);
      if (extra) {
        om_yaml_error_at(f, extra, "a %s holds one YAML document, and this is a second one", what);
        rc = e->code;
      }
      yaml_document_delete(&next);
    }
    if (rc == 0 && root->type != YAML_MAPPING_NODE) {
      char desc[96];
      om_yaml_error_at(f, root, "a %s must be a mapping of keys to values, not %s", what,
                       om_yaml_describe(root, desc, sizeof desc));
      rc = e->code;
    }
  }
  yaml_parser_delete(&parser);
  free(buf);
  return rc;
}

void om_yaml_close(struct om_yaml_file *f)
{
  if (f->loaded)
    yaml_document_delete(&f->doc);
  f->loaded = false;
}

yaml_node_t *om_yaml_root(struct om_yaml_file *f)
{
  return f->loaded ? yaml_document_get_root_node(&f->doc) : NULL;
}

yaml_node_t *om_yaml_node(struct om_yaml_file *f, int id)
{
  return yaml_document_get_node(&f->doc, id);
}

void om_yaml_error_at(struct om_yaml_file *f, const yaml_node_t *at, const char *fmt, ...)
{
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  om_yaml_error(f->e, f->file, (long)at->start_mark.line + 1, (long)at->start_mark.column + 1, "%s",
                text);
}

bool om_yaml_is_null(const yaml_node_t *n)
{
  if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return false;
  const char *v = (const char *)n->data.scalar.value;
  return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
         strcmp(v, "NULL") == 0;
}

const char *om_yaml_describe(const yaml_node_t *n, char *buf, size_t size)
{
  if (!n || om_yaml_is_null(n))
    snprintf(buf, size, "nothing");
  else if (n->type == YAML_MAPPING_NODE)
    snprintf(buf, size, "a mapping");
  else if (n->type == YAML_SEQUENCE_NODE)
    snprintf(buf, size, "a list");
  else {
    const char *v = (const char *)n->data.scalar.value;
    size_t len = strcspn(v, "\r\n");
    if (len > 60)
      snprintf(buf, size, "'%.60s...'", v);
    else
      snprintf(buf, size, "'%.*s%s", (int)len, v, v[len] ? "...'" : "'");
  }
  return buf;
}

/* The key text of a mapping pair, or NULL when the key is not a scalar. */
static const char *key_text(struct om_yaml_file *f, const yaml_node_pair_t *pair)
{
  yaml_node_t *k = om_yaml_node(f, pair->key);
  return k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : NULL;
}

static bool in_list(const char *word, const char *const *list)
{
  for (; list && *list; list++)
    if (strcmp(word, *list) == 0)
      return true;
  return false;
}

/* The closest of 'keys' to 'word' when it is a plausible misspelling, or NULL. */
static const char *suggest(const char *word, const char *const *keys)
{
  const char *best = NULL;
  int best_d = 3;
  for (; *keys; keys++) {
    int dist = om_yaml_distance(word, *keys);
    if (dist < best_d && dist < (int)strlen(*keys)) {
      best = *keys;
      best_d = dist;
    }
  }
  return best;
}

int om_yaml_check_keys(struct om_yaml_file *f, yaml_node_t *map, const char *where,
                       const char *const *keys, const char *const *required)
{
  int before = f->e->count;
  yaml_node_pair_t *start = map->data.mapping.pairs.start;
  yaml_node_pair_t *top = map->data.mapping.pairs.top;
  for (yaml_node_pair_t *p = start; p < top; p++) {
    yaml_node_t *k = om_yaml_node(f, p->key);
    const char *word = key_text(f, p);
    if (!word) {
      om_yaml_error_at(f, k, "a key in %s must be plain text, not %s", where,
                       k->type == YAML_MAPPING_NODE ? "a mapping" : "a list");
      continue;
    }
    bool twice = false;
    for (yaml_node_pair_t *q = start; q < p && !twice; q++) {
      const char *other = key_text(f, q);
      if (other && strcmp(other, word) == 0) {
        om_yaml_error_at(f, k, "key '%s' appears twice in %s (first on line %ld)", word, where,
                         (long)om_yaml_node(f, q->key)->start_mark.line + 1);
        twice = true;
      }
    }
    if (twice || in_list(word, keys))
      continue;
    const char *hint = suggest(word, keys);
    if (hint)
      om_yaml_error_at(f, k, "unknown key '%s' in %s; did you mean '%s'?", word, where, hint);
    else
      om_yaml_error_at(f, k, "unknown key '%s' in %s", word, where);
  }

  for (; required && *required; required++) {
    bool found = false, misspelt = false;
    for (yaml_node_pair_t *p = start; p < top && !found; p++) {
      const char *word = key_text(f, p);
      if (!word)
        continue;
      if (strcmp(word, *required) == 0) {
        found = true;
        if (om_yaml_is_null(om_yaml_node(f, p->value)))
          om_yaml_error_at(f, om_yaml_node(f, p->key), "'%s' has no value", word);
      } else if (!in_list(word, keys)) {
        const char *hint = suggest(word, keys);
        misspelt = misspelt || (hint && strcmp(hint, *required) == 0);
      }
    }
    if (!found && !misspelt)
      om_yaml_error_at(f, map, "%s has no '%s'", where, *required);
  }
  return f->e->count - before;
}

yaml_node_t *om_yaml_get(struct om_yaml_file *f, yaml_node_t *map, const char *key)
{
  if (!map || map->type != YAML_MAPPING_NODE)
    return NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    const char *word = key_text(f, p);
    if (word && strcmp(word, key) == 0) {
      yaml_node_t *v = om_yaml_node(f, p->value);
      return om_yaml_is_null(v) ? NULL : v;
    }
  }
  return NULL;
}

static bool is_name_start(char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

char *om_yaml_text(struct om_yaml_file *f, yaml_node_t *n, const char *key)
{
  const char *s = (const char *)n->data.scalar.value;
  size_t len = n->data.scalar.length;
  if (memchr(s, '\0', len)) {
    om_yaml_error_at(f, n, "'%s' must not contain a NUL character", key);
    return NULL;
  }
  char *out = NULL;
  size_t size = 0;
  FILE *m = open_memstream(&out, &size);
  if (!m) {
    om_yaml_oom(f->e);
    return NULL;
  }
  bool ok = true;
  for (size_t i = 0; i < len && ok;) {
    if (s[i] != '$' || i + 1 >= len || (s[i + 1] != '$' && s[i + 1] != '{')) {
      fputc(s[i++], m);
      continue;
    }
    if (s[i + 1] == '$') { /* "$$" is a literal "$", so "$${X}" reads "${X}" */
      fputc('$', m);
      i += 2;
      continue;
    }
    const char *name = s + i + 2;
    const char *end = memchr(name, '}', len - i - 2);
    if (!end) {
      om_yaml_error_at(f, n, "'%s': '${' has no closing '}' (write '$${' for a literal '${')", key);
      ok = false;
      break;
    }
    size_t nlen = (size_t)(end - name);
    bool valid = nlen > 0 && is_name_start(name[0]);
    for (size_t j = 1; j < nlen && valid; j++)
      valid = is_name_start(name[j]) || (name[j] >= '0' && name[j] <= '9');
    if (!valid) {
      om_yaml_error_at(f, n, "'%s': '${%.*s}' is not a variable name (letters, digits and '_')",
                       key, (int)nlen, name);
      ok = false;
      break;
    }
    char var[256];
    snprintf(var, sizeof var, "%.*s", (int)nlen, name);
    const char *value = getenv(var);
    if (!value) {
      om_yaml_error_at(f, n, "${%s} is not set", var);
      ok = false;
      break;
    }
    fputs(value, m);
    i = (size_t)(end - s) + 1;
  }
  if (fclose(m) != 0 && ok) {
    om_yaml_oom(f->e);
    ok = false;
  }
  if (!ok) {
    free(out);
    return NULL;
  }
  return out;
}

int om_yaml_string(struct om_yaml_file *f, yaml_node_t *map, const char *key, char **out)
{
  *out = NULL;
  yaml_node_t *v = om_yaml_get(f, map, key);
  if (!v)
    return 0;
  if (v->type != YAML_SCALAR_NODE) {
    om_yaml_error_at(f, v, "'%s' must be a string, not %s", key,
                     v->type == YAML_MAPPING_NODE ? "a mapping" : "a list");
    return -1;
  }
  char *text = om_yaml_text(f, v, key);
  if (!text)
    return -1;
  if (!*text) {
    om_yaml_error_at(f, v, "'%s' must not be empty", key);
    free(text);
    return -1;
  }
  *out = text;
  return 0;
}

/* The value of 'key' when it is a mapping; reports any other kind. */
yaml_node_t *om_yaml_mapping(struct om_yaml_file *f, yaml_node_t *map, const char *key)
{
  yaml_node_t *v = om_yaml_get(f, map, key);
  if (v && v->type != YAML_MAPPING_NODE) {
    char desc[96];
    om_yaml_error_at(f, v, "'%s' must be a mapping, not %s", key,
                     om_yaml_describe(v, desc, sizeof desc));
    return NULL;
  }
  return v;
}

/* A text item of a list (each layer glob, each output field). NULL after a report. */
char *om_yaml_item(struct om_yaml_file *f, yaml_node_t *item, const char *list, const char *expect)
{
  if (item->type != YAML_SCALAR_NODE) {
    char desc[96];
    om_yaml_error_at(f, item, "each item of '%s' must be %s, not %s", list, expect,
                     om_yaml_describe(item, desc, sizeof desc));
    return NULL;
  }
  char *text = om_yaml_text(f, item, list);
  if (text && !*text) {
    om_yaml_error_at(f, item, "an item of '%s' is empty", list);
    free(text);
    return NULL;
  }
  return text;
}

size_t om_yaml_length(const yaml_node_t *seq)
{
  return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

int om_yaml_integer(struct om_yaml_file *f, yaml_node_t *n, const char *key, long min, long max,
                    const char *expect, long *out)
{
  char desc[96];
  if (n->type != YAML_SCALAR_NODE) {
    om_yaml_error_at(f, n, "'%s' must be %s, not %s", key, expect,
                     om_yaml_describe(n, desc, sizeof desc));
    return -1;
  }
  char *text = om_yaml_text(f, n, key);
  if (!text)
    return -1;
  const char *digits = text[0] == '-' ? text + 1 : text;
  bool ok = *digits != '\0' && strspn(digits, "0123456789") == strlen(digits);
  long v = 0;
  if (ok) {
    errno = 0;
    v = strtol(text, NULL, 10);
    ok = errno == 0 && v >= min && v <= max;
  }
  if (!ok)
    om_yaml_error_at(f, n, "'%s' must be %s, not '%.60s'", key, expect, text);
  free(text);
  if (!ok)
    return -1;
  *out = v;
  return 0;
}

int om_yaml_boolean(struct om_yaml_file *f, yaml_node_t *n, const char *key, bool *out)
{
  static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
  char *text = n->type == YAML_SCALAR_NODE ? om_yaml_text(f, n, key) : NULL;
  int rc = -1;
  for (size_t i = 0; text && i < 3 && rc < 0; i++) {
    if (strcasecmp(text, yes[i]) == 0)
      *out = true, rc = 0;
    else if (strcasecmp(text, no[i]) == 0)
      *out = false, rc = 0;
  }
  if (rc < 0) {
    char desc[96];
    om_yaml_error_at(f, n, "'%s' must be true or false, not %s", key,
                     text ? text : om_yaml_describe(n, desc, sizeof desc));
  }
  free(text);
  return rc;
}

int om_yaml_distance(const char *a, const char *b)
{
  enum { MAX = 64 };
  size_t n = strlen(a), m = strlen(b);
  if (n >= MAX || m >= MAX)
    return INT_MAX;
  int d[MAX][MAX];
  for (size_t i = 0; i <= n; i++)
    d[i][0] = (int)i;
  for (size_t j = 0; j <= m; j++)
    d[0][j] = (int)j;
  for (size_t i = 1; i <= n; i++) {
    for (size_t j = 1; j <= m; j++) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best)
        best = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < best)
        best = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  }
  return d[n][m];
}
