/* SPDX-License-Identifier: Apache-2.0 */
/* A GPU plugin on a machine without the GPU: init reports no device. */
#include "common.h"

static int no_device_init(void)
{
	return VACCEL_ENODEV;
}

static int never_sgemm(struct vaccel_session *sess, int64_t m, int64_t n,
		       int64_t k, float alpha, float *a, int64_t lda, float *b,
		       int64_t ldb, float beta, float *c, int64_t ldc)
{
	(void)sess; (void)m; (void)n; (void)k; (void)alpha; (void)a;
	(void)lda; (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
	return VACCEL_EIO;
}

TEST_PLUGIN(nodev, "test-no-device", VACCEL_PLUGIN_GPU, no_device_init,
	    never_sgemm)
VACCEL_PLUGIN_ENTRY(nodev, nodev_desc)
