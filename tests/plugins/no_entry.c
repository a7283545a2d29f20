/* SPDX-License-Identifier: Apache-2.0 */
/* A shared library that is not a plugin at all. */
int not_a_plugin(void);
__attribute__((visibility("default"))) int not_a_plugin(void)
{
	return 42;
}
