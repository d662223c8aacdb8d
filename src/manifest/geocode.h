/* 'locate.geocode' of a layer manifest (private to the manifest module). */
#ifndef OM_MANIFEST_GEOCODE_H
#define OM_MANIFEST_GEOCODE_H

#include "manifest/manifest.h"
#include "manifest/yaml_util.h"

/* Read the 'geocode' node v into g; problems are reported through f. */
void om_manifest_read_geocode(struct om_yaml_file *f, yaml_node_t *v, struct om_geocode_def *g);
void om_manifest_release_geocode(struct om_geocode_def *g);

/* Read the 'check_country' node v into c. */
void om_manifest_read_check(struct om_yaml_file *f, yaml_node_t *v, struct om_check_def *c);

/* 'locate.reverse': true, false or { tolerance_km: N }. */
void om_manifest_read_reverse(struct om_yaml_file *f, yaml_node_t *v, struct om_reverse_def *r);

#endif
