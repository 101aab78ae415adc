/* fuzz_config.c - libFuzzer target for the config parser (rt_config_load).
 * There is no parse-from-string entry point, so each input is written to
 * retort.conf in a private temporary directory. The input is also fed to
 * rt_url_mask and rt_url_dbname (URLs come from the config), and a password
 * given as "pw=XXX" must never survive masking. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_config.h"
#include "rt_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path[96];

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_config *cfg;
	struct rt_err err = { 0 };
	char *s, *m;
	FILE *f;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/rt-fuzz-config.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/retort.conf", dir);
		atexit(cleanup);
	}
	f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	cfg = rt_config_load(dir, &err);
	if (cfg) {
		for (size_t i = 0; i < cfg->nenvs; i++)
			(void)rt_config_env(cfg, cfg->envs[i].name, &err);
		(void)rt_config_env(cfg, NULL, &err);
		rt_config_free(cfg);
	} else if (err.kind == RT_ERR_NONE || !err.msg[0] || strchr(err.msg, '\n')) {
		abort();
	}

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	m = rt_url_mask(s);
	if (!m)
		abort();
	free(m);
	free(rt_url_dbname(s));
	free(s);
	return 0;
}
