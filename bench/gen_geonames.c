/*
 * A GeoNames-format test set for bench/gazetteer-import.sh: N rows of
 * allCountries.txt (19 tab-separated columns) with random but plausible
 * names (4 to 20 letters, some with non-ASCII letters), about 5% with
 * alternate names, 250 countries and the admin1CodesASCII.txt,
 * admin2Codes.txt and countryInfo.txt files their codes refer to.  The
 * same N gives the same files.
 *
 * usage: gen_geonames N DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCOUNTRY 250
#define NADMIN1 20 /* per country */
#define NADMIN2 12 /* per admin-1 */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static const char *const onsets[] = {"b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p",
                                     "r", "s", "t", "v", "z", "br", "ch", "kr", "st", "tr",
                                     "sh", "gr", "pl", "", ""};
static const char *const vowels[] = {"a", "e", "i", "o", "u", "a", "e", "o", "ia", "ou",
                                     "\xc3\xa9", "\xc3\xb6", "\xc4\xb1", "\xc3\xbc"};

/* A capitalised name of 4..20 letters into out; ascii: no accented vowels. */
static size_t make_name(char *out, int ascii)
{
  size_t want = 4 + next() % 17, n = 0, letters = 0;
  while (letters < want) {
    const char *on = onsets[next() % (sizeof onsets / sizeof *onsets)];
    size_t nv = ascii || next() % 16 ? 10 : sizeof vowels / sizeof *vowels;
    const char *v = vowels[next() % nv];
    for (const char *p = on; *p; p++, letters++)
      out[n++] = *p;
    for (const char *p = v; *p; p++)
      out[n++] = *p;
    letters += (unsigned char)v[0] >= 0x80 ? 1 : strlen(v);
  }
  out[n] = '\0';
  if (out[0] >= 'a' && out[0] <= 'z')
    out[0] = (char)(out[0] - 32);
  return n;
}

/* ASCII spelling of a name: accented vowels become plain ones. */
static void ascii_of(char *out, const char *s)
{
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == 0xc3 || *p == 0xc4) {
      unsigned char c = p[1];
      out[n++] = c == 0xa9 ? 'e' : c == 0xb6 ? 'o' : c == 0xb1 ? 'i' : 'u';
      p++;
    } else {
      out[n++] = (char)*p;
    }
  }
  out[n] = '\0';
}

static FILE *open_out(const char *dir, const char *name)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(1);
  }
  setvbuf(f, NULL, _IOFBF, 1 << 20);
  return f;
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: gen_geonames N DIR\n");
    return 2;
  }
  long rows = atol(argv[1]);
  const char *dir = argv[2];
  char cc[NCOUNTRY][3];
  for (int i = 0; i < NCOUNTRY; i++) {
    cc[i][0] = (char)('A' + i / 26);
    cc[i][1] = (char)('A' + i % 26);
    cc[i][2] = '\0';
  }
  char name[256], ascii[256];
  FILE *ci = open_out(dir, "countryInfo.txt");
  fprintf(ci, "#ISO\tISO3\tISO-Numeric\tfips\tCountry\tCapital\tArea(in sq km)\tPopulation\t"
              "Continent\ttld\tCurrencyCode\tCurrencyName\tPhone\tPostal Code Format\t"
              "Postal Code Regex\tLanguages\tgeonameid\tneighbours\tEquivalentFipsCode\n");
  for (int i = 0; i < NCOUNTRY; i++) {
    make_name(name, 1);
    fprintf(ci, "%s\t%sX\t%d\t%s\t%s\t\t%lu\t%lu\tEU\t.%c%c\tEUR\tEuro\t00\t\t\ten\t%d\t\t\n",
            cc[i], cc[i], 100 + i, cc[i], name, (unsigned long)(1000 + next() % 2000000),
            (unsigned long)(next() % 100000000), cc[i][0] + 32, cc[i][1] + 32, 90000000 + i);
  }
  fclose(ci);
  FILE *a1 = open_out(dir, "admin1CodesASCII.txt"), *a2 = open_out(dir, "admin2Codes.txt");
  long gid = 91000000;
  for (int i = 0; i < NCOUNTRY; i++)
    for (int j = 1; j <= NADMIN1; j++) {
      make_name(name, 0);
      ascii_of(ascii, name);
      fprintf(a1, "%s.%02d\t%s\t%s\t%ld\n", cc[i], j, name, ascii, gid++);
      for (int k = 1; k <= NADMIN2; k++) {
        make_name(name, 0);
        ascii_of(ascii, name);
        fprintf(a2, "%s.%02d.%03d\t%s\t%s\t%ld\n", cc[i], j, k, name, ascii, gid++);
      }
    }
  fclose(a1);
  fclose(a2);
  static const char *const fclass[] = {"P", "P", "P", "P", "P", "P", "H", "T", "S", "L", "V"};
  static const char *const fcode[] = {"PPL", "PPL", "PPLX", "PPL", "PPLA4", "PPLL", "STM", "MT",
                                      "FRM", "AREA", "FRST"};
  FILE *ac = open_out(dir, "allCountries.txt");
  for (long r = 0; r < rows; r++) {
    make_name(name, 0);
    ascii_of(ascii, name);
    int c = (int)(next() % NCOUNTRY), f = (int)(next() % 11);
    int j = 1 + (int)(next() % NADMIN1), k = 1 + (int)(next() % NADMIN2);
    double lat = (double)(next() % 1700000) / 10000.0 - 85, lon = (double)(next() % 3600000) / 10000.0 - 180;
    char alt[1024] = "";
    if (next() % 20 == 0) {
      size_t n = 0, m = 1 + next() % 4;
      for (size_t a = 0; a < m; a++) {
        char an[256];
        make_name(an, 0);
        n += (size_t)snprintf(alt + n, sizeof alt - n, "%s%s", a ? "," : "", an);
      }
    }
    unsigned long pop = fclass[f][0] == 'P' && next() % 3 == 0 ? (unsigned long)(next() % 200000) : 0;
    fprintf(ac, "%ld\t%s\t%s\t%s\t%.5f\t%.5f\t%s\t%s\t%s\t\t%02d\t%03d\t\t\t%lu\t\t%d\tEurope/Paris\t2024-01-01\n",
            1 + r, name, ascii, alt, lat, lon, fclass[f], fcode[f], cc[c], j, k, pop,
            (int)(next() % 3000));
  }
  fclose(ac);
  return 0;
}
