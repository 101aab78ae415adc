/* ui_main.c - placeholder until the console lands. */
#include "config.h"
#include "ui_main.h"

#include "rt_err.h"

int
ui_run(const struct ui_opts *opts, struct rt_err *err)
{
	(void)opts;
	rt_err_set(err, RT_ERR_INPUT, "the console is not built yet");
	return -1;
}
