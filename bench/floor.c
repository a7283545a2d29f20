/* SPDX-License-Identifier: Apache-2.0 */
/* The floor under start-up with a plugin: what any program pays for one
 * more linked shared object and one dlopen()ed at run time, each a single
 * trivial function (bench/tiny.c). bench/core.cpp shows it next to
 * bench/startup.c, both against an empty program. */
#include <dlfcn.h>
#include <stdlib.h>

int vaccel_bench_tiny(void);

int main(void)
{
	const char *plugin = getenv("VACCEL_BENCH_TINY_PLUGIN");
	void *h = plugin ? dlopen(plugin, RTLD_NOW | RTLD_LOCAL) : NULL;
	int (*fn)(void) = h ? (int (*)(void))dlsym(h, "vaccel_bench_tiny") : NULL;
	return fn && fn() == 1 && vaccel_bench_tiny() == 1 ? 0 : 1;
}
