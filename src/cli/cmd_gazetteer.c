/*
 * oremap gazetteer build|info: making and describing gazetteer indexes.
 * The subcommands are dispatched here, so that more (lookup) join the
 * table below.
 *
 * build recognises the GeoNames dumps by their names (allCountries*,
 * cities*, alternateNames*, admin1CodesASCII*, admin2Codes*, countryInfo*)
 * and country outlines by "countries" or "outline" in theirs, so that
 * "oremap gazetteer build data/gazetteer/... -o x.gaz" works; README and
 * Markdown files are passed over.  Flags name what cannot be recognised.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "gazetteer/gazetteer.h"

static int starts(const char *s, const char *prefix)
{
  return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Where a file recognised by name goes; 0, 1 when passed over, or -1 unknown. */
static int recognise(struct om_gaz_build_opts *o, const char **places, const char *path)
{
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (starts(base, "allCountries") || starts(base, "cities")) {
    places[o->nplaces++] = path;
  } else if (starts(base, "alternateNames")) {
    o->alternate_names = path;
  } else if (starts(base, "admin1CodesASCII")) {
    o->admin1 = path;
  } else if (starts(base, "admin2Codes")) {
    o->admin2 = path;
  } else if (starts(base, "countryInfo")) {
    o->country_info = path;
  } else if ((strcasestr(base, "countries") || strcasestr(base, "outline")) && !o->outlines &&
             !strcasestr(base, ".txt")) {
    o->outlines = path;
  } else if (starts(base, "README") || strcasestr(base, ".md") || starts(base, "LICENSE")) {
    return 1;
  } else {
    return -1;
  }
  return 0;
}

enum { OPT_ALT = 256, OPT_ADMIN1, OPT_ADMIN2, OPT_COUNTRY_INFO, OPT_OUTLINES, OPT_LAYER,
       OPT_LAYER_NAME, OPT_NAME_FIELD, OPT_ALT_FIELD, OPT_ID_FIELD, OPT_COUNTRY_FIELD,
       OPT_ADMIN1_FIELD, OPT_FCODE, OPT_ATTRIBUTION };

static int cmd_build(int argc, char **argv)
{
  static const struct option longs[] = {
      {"output", required_argument, NULL, 'o'},
      {"alternate-names", required_argument, NULL, OPT_ALT},
      {"admin1", required_argument, NULL, OPT_ADMIN1},
      {"admin2", required_argument, NULL, OPT_ADMIN2},
      {"country-info", required_argument, NULL, OPT_COUNTRY_INFO},
      {"outlines", required_argument, NULL, OPT_OUTLINES},
      {"layer", required_argument, NULL, OPT_LAYER},
      {"layer-name", required_argument, NULL, OPT_LAYER_NAME},
      {"name-field", required_argument, NULL, OPT_NAME_FIELD},
      {"alt-field", required_argument, NULL, OPT_ALT_FIELD},
      {"id-field", required_argument, NULL, OPT_ID_FIELD},
      {"country-field", required_argument, NULL, OPT_COUNTRY_FIELD},
      {"admin1-field", required_argument, NULL, OPT_ADMIN1_FIELD},
      {"fcode", required_argument, NULL, OPT_FCODE},
      {"attribution", required_argument, NULL, OPT_ATTRIBUTION},
      {NULL, 0, NULL, 0},
  };
  struct om_gaz_build_opts o = {0};
  const char **places = calloc((size_t)argc + 1, sizeof *places);
  struct om_gaz_layer_source *layers = calloc((size_t)argc + 1, sizeof *layers);
  if (!places || !layers) {
    free(places);
    free(layers);
    om_cli_error("out of memory");
    return OM_EXIT_FAILURE;
  }
  struct om_gaz_layer_source *cur = NULL;
  const char *problem = NULL;
  optind = 0;
  opterr = 0;
  int c;
  static char msg[512];
  optind = 1; /* argv[0] is "build" */
  for (;;) {
    /* Sources may come before, between and after options. */
    while (!problem && optind > 0 && optind < argc &&
           (argv[optind][0] != '-' || !argv[optind][1])) {
      if (recognise(&o, places, argv[optind]) < 0) {
        snprintf(msg, sizeof msg, "cannot tell what '%s' is; name it with --outlines or --layer",
                 argv[optind]);
        problem = msg;
      }
      optind++;
    }
    if (problem || (optind > 0 && optind >= argc))
      break;
    c = getopt_long(argc, argv, "+o:", longs, NULL);
    if (c == -1) {
      /* getopt stops at a source ("+"): go on past it; else "--" or the end. */
      if (optind < argc && argv[optind][0] != '-')
        continue;
      break;
    }
    if (c >= OPT_LAYER_NAME && c <= OPT_FCODE && !cur) {
      problem = "a layer field option comes before --layer";
      break;
    }
    switch (c) {
    case 'o': o.output = optarg; break;
    case OPT_ALT: o.alternate_names = optarg; break;
    case OPT_ADMIN1: o.admin1 = optarg; break;
    case OPT_ADMIN2: o.admin2 = optarg; break;
    case OPT_COUNTRY_INFO: o.country_info = optarg; break;
    case OPT_OUTLINES: o.outlines = optarg; break;
    case OPT_ATTRIBUTION: o.attribution = optarg; break;
    case OPT_LAYER:
      cur = &layers[o.nlayers++];
      cur->path = optarg;
      break;
    case OPT_LAYER_NAME: cur->layer = optarg; break;
    case OPT_NAME_FIELD: cur->name = optarg; break;
    case OPT_ALT_FIELD: cur->alternates = optarg; break;
    case OPT_ID_FIELD: cur->id = optarg; break;
    case OPT_COUNTRY_FIELD: cur->country = optarg; break;
    case OPT_ADMIN1_FIELD: cur->admin1 = optarg; break;
    case OPT_FCODE: cur->fcode = optarg; break;
    default: problem = "unknown option or missing value";
    }
  }
  for (; !problem && optind < argc; optind++) { /* after "--" */
    if (recognise(&o, places, argv[optind]) < 0) {
      snprintf(msg, sizeof msg, "cannot tell what '%s' is; name it with --outlines or --layer",
               argv[optind]);
      problem = msg;
    }
  }
  for (size_t i = 0; !problem && i < o.nlayers; i++)
    if (!layers[i].name)
      problem = "each --layer needs --name-field";
  if (!problem && !o.output)
    problem = "no index file given (-o INDEX)";
  if (!problem && o.nplaces == 0 && o.nlayers == 0 && !o.country_info && !o.admin1)
    problem = "no sources given";
  int code;
  if (problem) {
    code = om_cli_usage("gazetteer", problem);
  } else {
    o.places = places;
    o.layers = layers;
    struct om_diag d;
    om_diag_init(&d);
    d.report = om_cli_report;
    struct om_gaz_build_stats st;
    int rc = om_gazetteer_build(&o, &st, &d);
    if (rc < 0) {
      om_cli_error(d.msg);
      code = om_cli_exit_code(rc);
    } else {
      fprintf(stderr, "%s: %zu entries, %zu names from %zu rows (%zu skipped)\n", o.output,
              st.entries, st.names, st.rows, st.skipped);
      code = st.skipped > 0 ? OM_EXIT_REJECTS : OM_EXIT_OK;
    }
  }
  free(places);
  free(layers);
  return code;
}

/* The index when none is named: OREMAP_GAZETTEER, else the built-in one if any. */
static const char *default_index(void)
{
  const char *env = getenv("OREMAP_GAZETTEER");
  if (env && *env)
    return env;
#ifdef OREMAP_DEFAULT_GAZETTEER
  return OREMAP_DEFAULT_GAZETTEER;
#else
  return NULL;
#endif
}

static int cmd_lookup(int argc, char **argv)
{
  return om_cmd_gazetteer_lookup(argc, argv, default_index());
}

static int cmd_reverse(int argc, char **argv)
{
  return om_cmd_gazetteer_reverse(argc, argv, default_index());
}

static int cmd_info(int argc, char **argv)
{
  static const struct option longs[] = {{"gazetteer", required_argument, NULL, 'g'},
                                        {NULL, 0, NULL, 0}};
  const char *path = default_index();
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+g:", longs, NULL)) != -1) {
    if (c != 'g')
      return om_cli_usage("gazetteer", "unknown option or missing value");
    path = optarg;
  }
  if (optind < argc)
    path = argv[optind++];
  if (optind < argc)
    return om_cli_usage("gazetteer", "unexpected argument");
  if (!path || !*path)
    return om_cli_usage("gazetteer", "no index given (--gazetteer PATH or OREMAP_GAZETTEER)");
  struct om_diag d;
  om_diag_init(&d);
  struct om_gazetteer *g;
  int rc = om_gazetteer_open(&g, path, &d);
  if (rc < 0) {
    om_cli_error(d.msg);
    return om_cli_exit_code(rc);
  }
  struct om_gaz_info i;
  om_gazetteer_info(g, &i);
  printf("index:       %s\n", path);
  printf("version:     %u\n", i.version);
  printf("hash:        %s\n", i.hash);
  printf("size:        %zu bytes\n", i.file_bytes);
  printf("countries:   %zu (%zu with outlines)\n", i.counts[OM_GAZ_COUNTRY], i.outlines);
  printf("admin-1:     %zu\n", i.counts[OM_GAZ_ADMIN1]);
  printf("admin-2:     %zu\n", i.counts[OM_GAZ_ADMIN2]);
  printf("places:      %zu\n", i.counts[OM_GAZ_PLACE]);
  printf("keys:        %zu\n", i.nkeys);
  printf("names:       %zu\n", i.nnames);
  printf("sources:\n");
  for (const char *s = i.sources; *s;) {
    size_t n = strcspn(s, "\n");
    printf("  %.*s\n", (int)n, s);
    s += n + (s[n] == '\n');
  }
  printf("attribution: %s\n", i.attribution[0] ? i.attribution : "(none)");
  om_gazetteer_close(g);
  return OM_EXIT_OK;
}

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
} subcommands[] = {
    {"build", cmd_build},
    {"info", cmd_info},
    {"lookup", cmd_lookup},
    {"reverse", cmd_reverse},
};

int om_cmd_gazetteer(int argc, char **argv)
{
  if (argc < 2)
    return om_cli_usage("gazetteer", "no subcommand given");
  for (size_t i = 0; i < sizeof subcommands / sizeof *subcommands; i++)
    if (strcmp(argv[1], subcommands[i].name) == 0)
      return subcommands[i].run(argc - 1, argv + 1);
  return om_cli_usage("gazetteer", "unknown subcommand");
}
