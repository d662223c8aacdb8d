#include "core/hilbert.h"

#define ORDER 16
#define SIDE (1u << ORDER)

/* Grid cell of v in [lo, hi]; a degenerate extent maps everything to 0. */
static uint32_t cell(double v, double lo, double hi)
{
  if (!(hi > lo))
    return 0;
  double t = (v - lo) / (hi - lo) * (SIDE - 1);
  if (!(t > 0))
    return 0;
  if (t >= SIDE - 1)
    return SIDE - 1;
  return (uint32_t)t;
}

uint64_t om_hilbert_key(double x, double y, const double extent[4])
{
  uint32_t cx = cell(x, extent[0], extent[2]);
  uint32_t cy = cell(y, extent[1], extent[3]);
  uint64_t key = 0;
  /* The classic quadrant walk: at each level add the quadrant's offset and
   * rotate the remaining coordinates into that quadrant's frame. */
  for (uint32_t s = SIDE / 2; s > 0; s /= 2) {
    uint32_t rx = (cx & s) ? 1 : 0;
    uint32_t ry = (cy & s) ? 1 : 0;
    key += (uint64_t)s * s * ((3 * rx) ^ ry);
    if (ry == 0) {
      if (rx == 1) {
        cx = SIDE - 1 - cx;
        cy = SIDE - 1 - cy;
      }
      uint32_t t = cx;
      cx = cy;
      cy = t;
    }
  }
  return key;
}
