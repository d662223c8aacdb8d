/*
 * Key arithmetic that the builder and the reader share: the slot hash,
 * UTF-8 decoding to code points and trigram hashes.  Changing any of it
 * changes the file format (bump GAZ_VERSION).
 */
#include <string.h>
#include <xxhash.h>

#include "gazetteer/internal.h"

uint64_t gaz_key_hash(const char *key, size_t len) { return XXH3_64bits(key, len); }

size_t gaz_codepoints(uint32_t *out, size_t max, const char *s, size_t len)
{
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  size_t n = 0;
  while (p < end) {
    uint32_t c = *p;
    size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (k > (size_t)(end - p))
      k = 1;
    if (k > 1) {
      c &= 0x3fu >> (k - 1);
      for (size_t i = 1; i < k; i++)
        c = c << 6 | (p[i] & 0x3fu);
    }
    if (n < max)
      out[n] = c;
    n++;
    p += k;
  }
  return n;
}

uint32_t gaz_trigram_hash(uint32_t a, uint32_t b, uint32_t c)
{
  uint64_t h = (uint64_t)a * 0x9E3779B185EBCA87ull;
  h ^= (uint64_t)b * 0xC2B2AE3D27D4EB4Full + (h >> 29);
  h ^= (uint64_t)c * 0x165667B19E3779F9ull + (h >> 31);
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  return (uint32_t)h;
}

void gaz_trigrams(uint32_t *out, const uint32_t *cp, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    uint32_t a = i == 0 ? GAZ_PAD : cp[i - 1];
    uint32_t c = i + 1 == n ? GAZ_PAD : cp[i + 1];
    out[i] = gaz_trigram_hash(a, cp[i], c);
  }
}
