/* SPDX-License-Identifier: Apache-2.0 */
/* A program that exits with a session and a resource still open, whose
 * memory is gone by then (as a local of main() is once main returns): the
 * runtime's exit handler must not touch them. Unmapping makes any touch a
 * crash rather than a read of whatever the stack holds. */
#include <vaccel.h>

#include <stdio.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	const size_t len = 4096;
	struct {
		struct vaccel_session s;
		struct vaccel_resource r;
	} *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || sizeof *p > len)
		return 2;
	if (vaccel_session_init(&p->s, 0) || vaccel_noop(&p->s) ||
	    argc < 1 ||
	    vaccel_resource_init(&p->r, argv[0], VACCEL_RESOURCE_DATA) ||
	    vaccel_resource_register(&p->r, &p->s)) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	munmap(p, len);
	return 0;
}
