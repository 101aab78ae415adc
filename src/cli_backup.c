/* cli_backup.c - the backup commands: backup, backups, prune, restore, and
 * the automatic backup before migrating a protected env. */
#include "config.h"
#include "cli.h"

int
cli_auto_backup(struct cli *c)
{
	(void)c;
	return 0;
}
