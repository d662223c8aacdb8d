/*
 * The formats written through GDAL's vector drivers: the part every such
 * writer shares (write_ogr_internal.h) and the file formats, Shapefile and
 * FlatGeobuf.  PostGIS is in write_pg.c; KML, which GDAL's LIBKML driver
 * writes in quadratic time with one style for every feature, oremap
 * writes itself (write_kml.c).
 *
 * Fields go out in source order with the schema's types (string, 64-bit
 * integer, double), features in source order, geometries as the spool
 * holds them: ISO WKB in WGS 84 longitude/latitude.
 *
 * Atomic replacement.  The driver writes beside the target under a
 * temporary name that keeps the extension (".sites.shp.oremap-tmp-<pid>.shp":
 * the Shapefile and FlatGeobuf drivers make a folder of a name without
 * one), every file is fsynced, then renamed over its target and the folder
 * fsynced.  A FlatGeobuf file is one file: a reader sees the old or the new
 * one.  A Shapefile is several (.shp, .shx, .dbf, .prj, .cpg) and
 * no rename moves them together, so the renames run back to back after all
 * the data is on disk, .shp last: during those few microseconds a reader
 * that opens the set may pair new attribute rows (.dbf) with old shapes
 * (.shp/.shx) and GDAL then reports a record-count mismatch; before the
 * first rename it sees the old set whole, after the last the new one.
 * An old spatial index (.qix, .sbn, .sbx) would describe the old shapes,
 * so it is removed just before the renames.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>

#include "core/hash.h"
#include "io/atomic.h"
#include "io/write_ogr_internal.h"

#define OM_DBF_NAME_MAX 10    /* bytes in a DBF field name */
#define OM_DBF_STRING_MAX 254 /* bytes in a DBF text cell */

/* ---- GDAL messages ---------------------------------------------------- */

static void CPL_STDCALL on_gdal_error(CPLErr level, CPLErrorNum num, const char *msg)
{
  (void)num;
  struct om_ogr_errors *e = CPLGetErrorHandlerUserData();
  if (!e || level < CE_Warning)
    return;
  if (level >= CE_Failure && !e->failed) {
    e->failed = true;
    snprintf(e->msg, sizeof e->msg, "%s", msg);
  } else if (!e->failed) {
    snprintf(e->msg, sizeof e->msg, "%s", msg);
  }
}

void om_ogr_errors_push(struct om_ogr_errors *e)
{
  memset(e, 0, sizeof *e);
  CPLPushErrorHandlerEx(on_gdal_error, e);
}

void om_ogr_errors_pop(void)
{
  CPLPopErrorHandler();
}

const char *om_ogr_errors_text(const struct om_ogr_errors *e)
{
  return e->msg[0] ? e->msg : "unknown error";
}

OGRSpatialReferenceH om_ogr_wgs84(void)
{
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  if (srs && OSRImportFromEPSG(srs, 4326) != OGRERR_NONE) {
    OSRRelease(srs);
    return NULL;
  }
  if (srs)
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

/* ---- the plan: fields and geometry type over the whole layer ---------- */

static OGRwkbGeometryType multi_of(int family)
{
  return family == 1 ? wkbMultiPoint : family == 2 ? wkbMultiLineString : wkbMultiPolygon;
}

void om_ogr_plan_release(struct om_ogr_plan *p)
{
  if (!p)
    return;
  for (size_t i = 0; p->names && i < p->n; i++)
    free(p->names[i]);
  free(p->names);
  free(p->src);
  free(p->width);
  memset(p, 0, sizeof *p);
}

int om_ogr_plan_make(struct om_ogr_plan *p, const struct om_layer_data *L,
                     const struct om_output_opts *o, struct om_diag *d)
{
  memset(p, 0, sizeof *p);
  p->n = o->field_index ? o->nfields : L->schema->n;
  size_t n = p->n ? p->n : 1;
  p->src = calloc(n, sizeof *p->src);
  p->names = calloc(n, sizeof *p->names);
  p->width = calloc(n, sizeof *p->width);
  if (!p->src || !p->names || !p->width) {
    om_ogr_plan_release(p);
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < p->n; i++) {
    p->src[i] = o->field_index ? o->field_index[i] : i;
    if (!(p->names[i] = strdup(L->schema->fields[p->src[i]].name))) {
      om_ogr_plan_release(p);
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    }
  }

  /* One pass: geometry types present, widest values. */
  unsigned seen = 0; /* bit t for WKB type t */
  struct om_spool_cursor c;
  om_spool_cursor_init(&c, L->spool, OM_ORDER_SOURCE);
  struct om_feature f;
  int rc;
  while ((rc = om_spool_cursor_next(&c, &f)) == 1) {
    p->count++;
    if (f.wkb && f.wkb_len >= 5) {
      uint32_t t = (uint32_t)f.wkb[1] | (uint32_t)f.wkb[2] << 8 | (uint32_t)f.wkb[3] << 16 |
                   (uint32_t)f.wkb[4] << 24;
      t %= 1000;
      if (t >= 1 && t <= 7)
        seen |= 1u << t;
    }
    for (size_t i = 0; i < p->n; i++) {
      const char *v = f.values[p->src[i]];
      size_t len = v ? strlen(v) : 0;
      if ((int)len > p->width[i])
        p->width[i] = len > 65535 ? 65535 : (int)len;
    }
  }
  om_spool_cursor_release(&c);
  if (rc < 0) {
    om_ogr_plan_release(p);
    return om_diag_fail(d, rc, "cannot read the layer's features back: %s",
                        rc == OM_ENOMEM ? "out of memory" : strerror(errno));
  }

  /* One type when all agree; the multi type when single and multi of one family mix. */
  int families = 0, family = 0;
  for (int fam = 1; fam <= 3; fam++) {
    if (seen & (1u << fam | 1u << (fam + 3))) {
      families++;
      family = fam;
    }
  }
  if (seen == 0)
    p->gtype = wkbUnknown;
  else if (seen & (1u << 7) || families > 1)
    p->gtype = wkbUnknown;
  else if (seen == 1u << family)
    p->gtype = (OGRwkbGeometryType)family;
  else
    p->gtype = multi_of(family);
  p->mixed_families = (seen & (1u << 7)) || families > 1;
  return 0;
}

/* ---- filling a layer -------------------------------------------------- */

static OGRFieldType ogr_type(enum om_field_type t)
{
  return t == OM_FIELD_INTEGER ? OFTInteger64 : t == OM_FIELD_REAL ? OFTReal : OFTString;
}

static int create_fields(OGRLayerH lyr, const struct om_ogr_plan *p, const struct om_layer_data *L,
                         bool dbf, struct om_ogr_errors *e, const char *what, struct om_diag *d)
{
  for (size_t i = 0; i < p->n; i++) {
    enum om_field_type t = L->schema->fields[p->src[i]].type;
    OGRFieldDefnH fd = OGR_Fld_Create(p->names[i], ogr_type(t));
    if (!fd)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    if (dbf && t == OM_FIELD_STRING)
      OGR_Fld_SetWidth(fd, p->width[i] < 1 ? 1
                           : p->width[i] > OM_DBF_STRING_MAX ? OM_DBF_STRING_MAX
                                                             : p->width[i]);
    OGRErr err = OGR_L_CreateField(lyr, fd, FALSE);
    OGR_Fld_Destroy(fd);
    if (err != OGRERR_NONE)
      return om_diag_fail(d, OM_EDEP, "%s: cannot create field '%s': %s", what, p->names[i],
                          om_ogr_errors_text(e));
  }
  return 0;
}

/* Set value v (canonical text, see core/feature.h) into field k. */
static void set_value(OGRFeatureH f, int k, enum om_field_type t, const char *v)
{
  if (!v)
    OGR_F_SetFieldNull(f, k);
  else if (t == OM_FIELD_INTEGER)
    OGR_F_SetFieldInteger64(f, k, strtoll(v, NULL, 10));
  else if (t == OM_FIELD_REAL)
    OGR_F_SetFieldDouble(f, k, strtod(v, NULL));
  else
    OGR_F_SetFieldString(f, k, v);
}

int om_ogr_fill(OGRLayerH lyr, const struct om_ogr_plan *p, const struct om_layer_data *L,
                uint64_t *hash, const char *what, struct om_diag *d)
{
  struct om_ogr_errors e;
  om_ogr_errors_push(&e);
  int rc = create_fields(lyr, p, L, p->dbf, &e, what, d);
  struct om_hasher h = {0};
  if (rc == 0 && hash && om_hasher_init(&h) != 0)
    rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
  bool force_multi = OGR_GT_IsSubClassOf(p->gtype, wkbGeometryCollection);
  struct om_spool_cursor c;
  om_spool_cursor_init(&c, L->spool, OM_ORDER_SOURCE);
  struct om_feature in;
  int more = 0;
  while (rc == 0 && (more = om_spool_cursor_next(&c, &in)) == 1) {
    OGRFeatureH f = OGR_F_Create(defn);
    if (!f) {
      rc = om_diag_fail(d, OM_ENOMEM, "out of memory");
      break;
    }
    for (size_t i = 0; i < p->n; i++) {
      const char *v = in.values[p->src[i]];
      set_value(f, (int)i, L->schema->fields[p->src[i]].type, v);
      if (hash)
        om_hasher_str(&h, v);
    }
    if (in.wkb && in.wkb_len) {
      OGRGeometryH g = NULL;
      if (OGR_G_CreateFromWkbEx(in.wkb, NULL, &g, in.wkb_len) != OGRERR_NONE) {
        rc = om_diag_fail(d, OM_EDEP, "%s: record %ld: GDAL cannot read its geometry", what,
                          in.record);
        OGR_F_Destroy(f);
        break;
      }
      if (force_multi && !OGR_GT_IsSubClassOf(OGR_G_GetGeometryType(g), wkbGeometryCollection))
        g = OGR_G_ForceTo(g, p->gtype, NULL);
      OGR_F_SetGeometryDirectly(f, g);
      if (hash)
        om_hasher_bytes(&h, in.wkb, in.wkb_len);
    }
    if (OGR_L_CreateFeature(lyr, f) != OGRERR_NONE)
      rc = om_diag_fail(d, OM_EDEP, "%s: cannot write record %ld: %s", what, in.record,
                        om_ogr_errors_text(&e));
    OGR_F_Destroy(f);
  }
  om_spool_cursor_release(&c);
  if (rc == 0 && more < 0)
    rc = om_diag_fail(d, more, "%s: cannot read the layer's features back", what);
  if (hash) {
    if (rc == 0)
      *hash = om_hasher_digest(&h);
    om_hasher_release(&h);
  }
  om_ogr_errors_pop();
  return rc;
}

/* ---- files: temporary names, sidecars and renames ---------------------- */

/* The files one target consists of, under their temporary and final names. */
struct file_set {
  size_t n;
  char *tmp[6];    /* owned */
  char *final[6];  /* owned */
};

static void file_set_release(struct file_set *s, bool unlink_tmp)
{
  for (size_t i = 0; i < s->n; i++) {
    if (unlink_tmp)
      unlink(s->tmp[i]);
    free(s->tmp[i]);
    free(s->final[i]);
  }
  memset(s, 0, sizeof *s);
}

/*
 * The temporary and final names of target and its sidecars (exts, the
 * driver's extension for the main file first): "dir/.name.shp.oremap-tmp-
 * <pid>.dbf" for "dir/name.dbf".  om_atomic_sweep knows the pattern, so a
 * killed run's leftovers are removed by the next run.
 */
static int file_set_make(struct file_set *s, const char *target, const char *const *exts,
                         size_t next, struct om_diag *d)
{
  memset(s, 0, sizeof *s);
  const char *slash = strrchr(target, '/');
  const char *base = slash ? slash + 1 : target;
  const char *dot = strrchr(base, '.');
  if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
    return om_diag_fail(d, OM_EIO, "cannot create '%s': not a file name", target);
  int dirlen = (int)(base - target);
  int stemlen = dot && dot != base ? (int)(dot - target) : (int)strlen(target);
  for (size_t i = 0; i < next; i++) {
    /* The driver's own extension on the temporary, whatever the target's. */
    if (asprintf(&s->tmp[i], "%.*s.%s.oremap-tmp-%ld.%s", dirlen, target, base, (long)getpid(),
                 exts[i]) < 0 ||
        (i == 0 ? (s->final[i] = strdup(target)) == NULL
                : asprintf(&s->final[i], "%.*s.%s", stemlen, target, exts[i]) < 0)) {
      s->n = i + 1;
      file_set_release(s, false);
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    }
    s->n = i + 1;
    unlink(s->tmp[i]); /* left by an earlier process with our pid */
  }
  return 0;
}

static int fsync_path(const char *path)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

/*
 * Put the set in place: fsync every temporary (a missing optional sidecar
 * is skipped), remove stale indexes, rename them back to back with the
 * main file last, fsync the folder.
 */
static int file_set_commit(struct file_set *s, const char *const *stale, struct om_diag *d)
{
  for (size_t i = 0; i < s->n; i++) {
    if (fsync_path(s->tmp[i]) != 0 && !(errno == ENOENT && i > 0))
      return om_diag_fail(d, OM_EIO, "cannot write '%s': %s", s->final[i], strerror(errno));
  }
  const char *main_final = s->final[0];
  const char *dot = strrchr(main_final, '.');
  if (!dot || strchr(dot, '/'))
    dot = main_final + strlen(main_final);
  for (size_t i = 0; stale && stale[i]; i++) {
    char *old = NULL;
    if (asprintf(&old, "%.*s.%s", (int)(dot - main_final), main_final, stale[i]) < 0)
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    if (unlink(old) != 0 && errno != ENOENT) {
      int rc = om_diag_fail(d, OM_EIO, "cannot remove the old index '%s': %s", old,
                            strerror(errno));
      free(old);
      return rc;
    }
    free(old);
  }
  for (size_t k = s->n; k-- > 0;) {
    if (access(s->tmp[k], F_OK) != 0)
      continue;
    if (rename(s->tmp[k], s->final[k]) != 0)
      return om_diag_fail(d, OM_EIO, "cannot rename over '%s': %s", s->final[k], strerror(errno));
  }
  char *dir = strdup(main_final);
  if (!dir)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = '\0';
  int rc = fsync_path(slash ? (*dir ? dir : "/") : ".");
  free(dir);
  return rc == 0 ? 0 : om_diag_fail(d, OM_EIO, "cannot sync the folder of '%s': %s", main_final,
                                    strerror(errno));
}

/* ---- Shapefile field names -------------------------------------------- */

static bool name_taken(char *const *names, size_t n, const bool *done, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (done[i] && strcasecmp(names[i], name) == 0)
      return true;
  return false;
}

/* Bytes of s that fit in max without cutting a UTF-8 sequence. */
static size_t utf8_prefix(const char *s, size_t max)
{
  size_t n = strlen(s);
  if (n <= max)
    return n;
  n = max;
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
    n--;
  return n;
}

/*
 * DBF field names hold 10 bytes and are compared without case.  Names that
 * fit and are unique stay; the others, in source order, are cut to 10
 * bytes, then to 8 with "_1", "_2", ... until unique.  The same schema
 * always gives the same names.  Returns how many were changed.
 */
static int shorten_names(struct om_ogr_plan *p, struct om_diag *d)
{
  bool *done = calloc(p->n ? p->n : 1, sizeof *done);
  if (!done)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  for (size_t i = 0; i < p->n; i++)
    done[i] = strlen(p->names[i]) <= OM_DBF_NAME_MAX && !name_taken(p->names, i, done, p->names[i]);
  int changed = 0;
  for (size_t i = 0; i < p->n; i++) {
    if (done[i])
      continue;
    char cand[OM_DBF_NAME_MAX + 16]; /* never more than 10 bytes used; room for the compiler */
    size_t keep = utf8_prefix(p->names[i], OM_DBF_NAME_MAX);
    snprintf(cand, sizeof cand, "%.*s", (int)keep, p->names[i]);
    for (unsigned k = 1; name_taken(p->names, p->n, done, cand); k++) {
      char suffix[12];
      int sl = snprintf(suffix, sizeof suffix, "_%u", k);
      keep = utf8_prefix(p->names[i], OM_DBF_NAME_MAX - (size_t)sl);
      snprintf(cand, sizeof cand, "%.*s%s", (int)keep, p->names[i], suffix);
    }
    char *copy = strdup(cand);
    if (!copy) {
      free(done);
      return om_diag_fail(d, OM_ENOMEM, "out of memory");
    }
    /* The original name stays reachable through the schema: p->src[i]. */
    free(p->names[i]);
    p->names[i] = copy;
    done[i] = true;
    changed++;
  }
  free(done);
  return changed;
}

/*
 * "<stem>.fieldmap.csv" beside the Shapefile (field,shapefile_field, one
 * row per field), and one warning naming the changed names.
 */
static int write_fieldmap(const struct om_ogr_plan *p, const struct om_layer_data *L,
                          const char *shp, int changed, struct om_diag *d)
{
  char *path = NULL;
  const char *dot = strrchr(shp, '.');
  if (!dot || strchr(dot, '/'))
    dot = shp + strlen(shp);
  if (asprintf(&path, "%.*s.fieldmap.csv", (int)(dot - shp), shp) < 0)
    return om_diag_fail(d, OM_ENOMEM, "out of memory");
  struct om_atomic a;
  int rc = om_atomic_open(&a, path, d);
  if (rc == 0) {
    fputs("field,shapefile_field\n", a.f);
    for (size_t i = 0; i < p->n; i++) {
      om_csv_plain_cell(a.f, L->schema->fields[p->src[i]].name);
      fputc(',', a.f);
      om_csv_plain_cell(a.f, p->names[i]);
      fputc('\n', a.f);
    }
    rc = om_atomic_commit(&a, d);
    om_atomic_abort(&a);
  }
  if (rc == 0 && changed > 0) {
    char list[1024];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < p->n && used + 1 < sizeof list; i++) {
      const char *from = L->schema->fields[p->src[i]].name;
      if (strcmp(from, p->names[i]) == 0)
        continue;
      int k = snprintf(list + used, sizeof list - used, "%s%s -> %s", used ? ", " : "", from,
                       p->names[i]);
      used += k > 0 ? (size_t)k : 0;
    }
    om_diag_warn(d, "%s: Shapefile field names are at most 10 characters: %s (mapping in %s)",
                 shp, list, path);
  }
  free(path);
  return rc;
}

/* ---- the file formats -------------------------------------------------- */

enum file_kind { KIND_SHP, KIND_FGB };

static const char *kind_driver(enum file_kind k)
{
  return k == KIND_SHP ? "ESRI Shapefile" : "FlatGeobuf";
}

static int write_file(const struct om_layer_data *L, const struct om_output_opts *o,
                      enum file_kind kind, struct om_diag *d)
{
  static const char *const shp_exts[] = {"shp", "shx", "dbf", "prj", "cpg"};
  static const char *const shp_stale[] = {"qix", "sbn", "sbx", NULL};
  static const char *const fgb_ext[] = {"fgb"};
  GDALAllRegister();
  const char *drvname = kind_driver(kind);
  GDALDriverH drv = GDALGetDriverByName(drvname);
  if (!drv)
    return om_diag_fail(d, OM_EDEP, "cannot write '%s': GDAL has no %s driver", o->path, drvname);

  struct om_ogr_plan p;
  int rc = om_ogr_plan_make(&p, L, o, d);
  if (rc < 0)
    return rc;
  if (kind == KIND_SHP && p.mixed_families) {
    om_ogr_plan_release(&p);
    return om_diag_fail(d, OM_EMANIFEST,
                        "cannot write '%s': a Shapefile holds one kind of geometry, and layer "
                        "'%s' mixes points, lines and polygons; write a GeoPackage instead",
                        o->path, L->name);
  }
  p.dbf = kind == KIND_SHP;
  int changed = kind == KIND_SHP ? shorten_names(&p, d) : 0;
  if (changed < 0) {
    om_ogr_plan_release(&p);
    return changed;
  }

  struct file_set files;
  const char *const *exts = kind == KIND_SHP ? shp_exts : fgb_ext;
  rc = file_set_make(&files, o->path, exts, kind == KIND_SHP ? 5 : 1, d);
  if (rc < 0) {
    om_ogr_plan_release(&p);
    return rc;
  }

  struct om_ogr_errors e;
  om_ogr_errors_push(&e);
  GDALDatasetH ds = GDALCreate(drv, files.tmp[0], 0, 0, 0, GDT_Unknown, NULL);
  OGRSpatialReferenceH srs = om_ogr_wgs84();
  OGRLayerH lyr = NULL;
  if (!ds || !srs) {
    rc = om_diag_fail(d, OM_EIO, "cannot create '%s': %s", o->path, om_ogr_errors_text(&e));
  } else {
    char **lco = NULL;
    if (kind == KIND_SHP) {
      lco = CSLSetNameValue(lco, "ENCODING", "UTF-8");
      lco = CSLSetNameValue(lco, "SPATIAL_INDEX", "NO");
    } else if (kind == KIND_FGB) {
      lco = CSLSetNameValue(lco, "SPATIAL_INDEX", "YES");
      if (o->title)
        lco = CSLSetNameValue(lco, "TITLE", o->title);
      if (o->description)
        lco = CSLSetNameValue(lco, "DESCRIPTION", o->description);
    }
    const char *lname = L->name;
    lyr = GDALDatasetCreateLayer(ds, lname, srs, p.gtype, lco);
    CSLDestroy(lco);
    if (!lyr)
      rc = om_diag_fail(d, OM_EDEP, "cannot create layer '%s' in '%s': %s", lname, o->path,
                        om_ogr_errors_text(&e));
  }
  if (rc == 0)
    rc = om_ogr_fill(lyr, &p, L, NULL, o->path, d);
  /* Closing is when FlatGeobuf writes its index. */
  if (ds) {
    e.failed = false;
    GDALClose(ds);
    if (e.failed && rc == 0)
      rc = om_diag_fail(d, OM_EIO, "cannot write '%s': %s", o->path, om_ogr_errors_text(&e));
  }
  if (srs)
    OSRRelease(srs);
  om_ogr_errors_pop();

  if (rc == 0)
    rc = file_set_commit(&files, kind == KIND_SHP ? shp_stale : NULL, d);
  file_set_release(&files, true); /* after a commit the temporaries are gone already */
  if (rc == 0 && kind == KIND_SHP)
    rc = write_fieldmap(&p, L, o->path, changed, d);
  om_ogr_plan_release(&p);
  return rc;
}

int om_write_shapefile(const struct om_layer_data *L, const struct om_output_opts *o,
                       struct om_diag *d)
{
  return write_file(L, o, KIND_SHP, d);
}

int om_write_flatgeobuf(const struct om_layer_data *L, const struct om_output_opts *o,
                        struct om_diag *d)
{
  return write_file(L, o, KIND_FGB, d);
}
