/* catalog_build.h - hand-built schema models for the unit tests
 * (test_catalog.c, test_autogen.c): a column, a constraint. */
#ifndef RT_TEST_CATALOG_BUILD_H
#define RT_TEST_CATALOG_BUILD_H

#include <stdbool.h>

#include "rt_catalog.h"
#include "rt_mem.h"

static inline struct rt_cat_obj *
col(struct rt_catalog *c, const char *table, const char *name, const char *type, int pos,
    bool notnull, const char *dflt)
{
	struct rt_cat_obj *o = rt_catalog_add(c, RT_CAT_COLUMN, NULL, table, name, type);

	o->pos = pos;
	o->is_notnull = notnull;
	o->dflt = dflt ? rt_xstrdup(dflt) : NULL;
	return o;
}

static inline struct rt_cat_obj *
con(struct rt_catalog *c, enum rt_cat_kind kind, const char *table, const char *name, char t,
    const char *def, const char *cols)
{
	struct rt_cat_obj *o = rt_catalog_add(c, kind, NULL, table, name, def);

	o->contype = t;
	o->cols = rt_xstrdup(cols);
	return o;
}

#endif
