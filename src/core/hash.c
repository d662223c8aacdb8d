#include "core/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

int om_hasher_init(struct om_hasher *h)
{
  h->state = XXH3_createState();
  if (!h->state)
    return -ENOMEM;
  XXH3_64bits_reset(h->state);
  return 0;
}

void om_hasher_release(struct om_hasher *h)
{
  XXH3_freeState(h->state);
  h->state = NULL;
}

void om_hasher_bytes(struct om_hasher *h, const void *p, size_t n)
{
  XXH3_64bits_update(h->state, p, n);
}

void om_hasher_str(struct om_hasher *h, const char *s)
{
  static const char null_mark[] = "\xff(null)";
  if (s)
    om_hasher_bytes(h, s, strlen(s) + 1);
  else
    om_hasher_bytes(h, null_mark, sizeof null_mark);
}

void om_hasher_u64(struct om_hasher *h, uint64_t v)
{
  om_hasher_bytes(h, &v, sizeof v);
}

uint64_t om_hasher_digest(const struct om_hasher *h)
{
  return XXH3_64bits_digest(h->state);
}

int om_hash_file(uint64_t *out, const char *path)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  struct om_hasher h;
  int rc = om_hasher_init(&h);
  enum { CHUNK = 1 << 20 };
  char *buf = rc == 0 ? malloc(CHUNK) : NULL;
  if (rc == 0 && !buf)
    rc = -ENOMEM;
  while (rc == 0) {
    ssize_t n = read(fd, buf, CHUNK);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      rc = -errno;
    if (n <= 0)
      break;
    om_hasher_bytes(&h, buf, (size_t)n);
  }
  if (rc == 0)
    *out = om_hasher_digest(&h);
  free(buf);
  if (h.state)
    om_hasher_release(&h);
  close(fd);
  return rc;
}
