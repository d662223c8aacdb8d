/*
 * Process-wide SQLite settings; why they matter is in sqlite_init.h.
 */
#include "io/sqlite_init.h"

#include <sqlite3.h>

#include "core/diag.h"

int om_sqlite_init(void)
{
  /*
   * SQLITE_CONFIG_MEMSTATUS is refused (SQLITE_MISUSE) once SQLite has
   * initialised itself, which any sqlite3_open or sqlite3_mprintf does.
   * Shutting SQLite down to retry would pull it from under connections a
   * library may hold, so a late call only reports that it was too late.
   */
  if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
    return OM_EDEP;
  return 0;
}
