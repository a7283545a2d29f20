/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/plugin.h
 * The plugin ABI. A plugin describes itself with one struct
 * vaccel_plugin_desc: its name, version, type bits and a table of typed
 * implementations, one slot per operation (NULL where it has none).
 *
 * The struct begins with the ABI version and its own size, and the ops table
 * carries its size, so the runtime refuses a plugin of another ABI and
 * treats ops past the end of an older, shorter table as absent.
 *
 * A shared plugin (libvaccel-<name>.so) exports it with
 * VACCEL_PLUGIN_ENTRY(); built with VACCEL_PLUGIN_BUILTIN defined, the same
 * source registers the plugin as built into the program, to be named in
 * VACCEL_PLUGINS (for static binaries and unikernels).
 *
 * Plugins see only the public headers; they never reach into the runtime.
 */
#pragma once

#include "arg.h"
#include "op.h"
#include "ops/tf.h"
#include "ops/tflite.h"
#include "ops/torch.h"
#include "resource.h"
#include "session.h"
#include "utils/enum.h"
#include "vaccel/version.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VACCEL_PLUGIN_TYPE_LIST(X, P) \
	X(P, CPU, 0x0001)             \
	X(P, GPU, 0x0002)             \
	X(P, FPGA, 0x0004)            \
	X(P, SOFTWARE, 0x0008)        \
	X(P, TENSORFLOW, 0x0010)      \
	X(P, TORCH, 0x0020)           \
	X(P, JETSON, 0x0040)          \
	X(P, GENERIC, 0x0080)         \
	X(P, DEBUG, 0x0100)           \
	X(P, REMOTE, 0x4000)          \
	X(P, ALL, 0xffff)

VACCEL_ENUM_DEFINE(vaccel_plugin_type, VACCEL_PLUGIN, VACCEL_PLUGIN_TYPE_LIST)

/* Signatures of the implementations. They take the same arguments as the
 * API functions, already validated for NULL session and wrong types. */
typedef int (*vaccel_op_noop_fn)(struct vaccel_session *sess);
typedef int (*vaccel_op_exec_fn)(struct vaccel_session *sess,
				 const char *library, const char *fn_symbol,
				 struct vaccel_arg *read, size_t nr_read,
				 struct vaccel_arg *write, size_t nr_write);
typedef int (*vaccel_op_exec_with_resource_fn)(
	struct vaccel_session *sess, struct vaccel_resource *resource,
	const char *fn_symbol, struct vaccel_arg *read, size_t nr_read,
	struct vaccel_arg *write, size_t nr_write);
/* All five image operations; out_text is NULL (len 0) except for
 * classification. */
typedef int (*vaccel_op_image_fn)(struct vaccel_session *sess, const void *img,
				  unsigned char *out_text,
				  unsigned char *out_imgname, size_t len_img,
				  size_t len_out_text, size_t len_out_imgname);
typedef int (*vaccel_op_tf_model_load_fn)(struct vaccel_session *sess,
					  struct vaccel_resource *model,
					  struct vaccel_tf_status *status);
typedef int (*vaccel_op_tf_model_unload_fn)(struct vaccel_session *sess,
					    struct vaccel_resource *model,
					    struct vaccel_tf_status *status);
typedef int (*vaccel_op_tf_model_run_fn)(
	struct vaccel_session *sess, struct vaccel_resource *model,
	const struct vaccel_tf_buffer *run_options,
	const struct vaccel_tf_node *in_nodes,
	struct vaccel_tf_tensor *const *in_tensors, int nr_inputs,
	const struct vaccel_tf_node *out_nodes,
	struct vaccel_tf_tensor **out_tensors, int nr_outputs,
	struct vaccel_tf_status *status);
typedef int (*vaccel_op_tflite_model_load_fn)(struct vaccel_session *sess,
					      struct vaccel_resource *model);
typedef int (*vaccel_op_tflite_model_unload_fn)(struct vaccel_session *sess,
						struct vaccel_resource *model);
typedef int (*vaccel_op_tflite_model_run_fn)(
	struct vaccel_session *sess, struct vaccel_resource *model,
	struct vaccel_tflite_tensor *const *inputs, int nr_inputs,
	struct vaccel_tflite_tensor **outputs, int nr_outputs,
	uint8_t *status);
typedef int (*vaccel_op_torch_model_load_fn)(struct vaccel_session *sess,
					     struct vaccel_resource *model);
typedef int (*vaccel_op_torch_model_run_fn)(
	struct vaccel_session *sess, struct vaccel_resource *model,
	const struct vaccel_torch_buffer *run_options,
	struct vaccel_torch_tensor *const *inputs, int nr_inputs,
	struct vaccel_torch_tensor **outputs, int nr_outputs);
typedef int (*vaccel_op_torch_sgemm_fn)(struct vaccel_session *sess,
					struct vaccel_torch_tensor **in_A,
					struct vaccel_torch_tensor **in_B,
					struct vaccel_torch_tensor **in_C,
					int M, int N, int K,
					struct vaccel_torch_tensor **out);
typedef int (*vaccel_op_sgemm_fn)(struct vaccel_session *sess, int64_t m,
				  int64_t n, int64_t k, float alpha, float *a,
				  int64_t lda, float *b, int64_t ldb,
				  float beta, float *c, int64_t ldc);
typedef int (*vaccel_op_fpga_arraycopy_fn)(struct vaccel_session *sess,
					   int a[], int out_a[], size_t len_a);
typedef int (*vaccel_op_fpga_mmult_fn)(struct vaccel_session *sess, float a[],
				       float b[], float c[], size_t len_a);
typedef int (*vaccel_op_fpga_parallel_fn)(struct vaccel_session *sess,
					  float a[], float b[],
					  float add_output[],
					  float mult_output[], size_t len_a);
typedef int (*vaccel_op_fpga_vadd_fn)(struct vaccel_session *sess, float a[],
				      float b[], float c[], size_t len_a,
				      size_t len_b);
typedef int (*vaccel_op_minmax_fn)(struct vaccel_session *sess,
				   const double *indata, int ndata,
				   int low_threshold, int high_threshold,
				   double *outdata, double *min, double *max);
typedef int (*vaccel_op_opencv_fn)(struct vaccel_session *sess,
				   struct vaccel_arg *read, int nr_read,
				   struct vaccel_arg *write, int nr_write);

/* X(op id suffix, ops table member, implementation type), in op id order:
 * the one list from which the table and the runtime's dispatch come. */
#define VACCEL_PLUGIN_OPS_LIST(X)                                              \
	X(NOOP, noop, vaccel_op_noop_fn)                                       \
	X(EXEC, exec, vaccel_op_exec_fn)                                       \
	X(EXEC_WITH_RESOURCE, exec_with_resource,                              \
	  vaccel_op_exec_with_resource_fn)                                     \
	X(IMAGE_CLASSIFY, image_classify, vaccel_op_image_fn)                  \
	X(IMAGE_DETECT, image_detect, vaccel_op_image_fn)                      \
	X(IMAGE_SEGMENT, image_segment, vaccel_op_image_fn)                    \
	X(IMAGE_POSE, image_pose, vaccel_op_image_fn)                          \
	X(IMAGE_DEPTH, image_depth, vaccel_op_image_fn)                        \
	X(TF_MODEL_LOAD, tf_model_load, vaccel_op_tf_model_load_fn)            \
	X(TF_MODEL_UNLOAD, tf_model_unload, vaccel_op_tf_model_unload_fn)      \
	X(TF_MODEL_RUN, tf_model_run, vaccel_op_tf_model_run_fn)               \
	X(TFLITE_MODEL_LOAD, tflite_model_load, vaccel_op_tflite_model_load_fn) \
	X(TFLITE_MODEL_UNLOAD, tflite_model_unload,                            \
	  vaccel_op_tflite_model_unload_fn)                                    \
	X(TFLITE_MODEL_RUN, tflite_model_run, vaccel_op_tflite_model_run_fn)   \
	X(TORCH_MODEL_LOAD, torch_model_load, vaccel_op_torch_model_load_fn)   \
	X(TORCH_MODEL_RUN, torch_model_run, vaccel_op_torch_model_run_fn)      \
	X(TORCH_SGEMM, torch_sgemm, vaccel_op_torch_sgemm_fn)                  \
	X(BLAS_SGEMM, sgemm, vaccel_op_sgemm_fn)                               \
	X(FPGA_ARRAYCOPY, fpga_arraycopy, vaccel_op_fpga_arraycopy_fn)         \
	X(FPGA_MMULT, fpga_mmult, vaccel_op_fpga_mmult_fn)                     \
	X(FPGA_PARALLEL, fpga_parallel, vaccel_op_fpga_parallel_fn)            \
	X(FPGA_VECTORADD, fpga_vadd, vaccel_op_fpga_vadd_fn)                   \
	X(MINMAX, minmax, vaccel_op_minmax_fn)                                 \
	X(OPENCV, opencv, vaccel_op_opencv_fn)

#define VACCEL_PLUGIN_OPS_MEMBER_(id, member, type) type member;
/** Typed implementations; a NULL slot means "not implemented". */
struct vaccel_plugin_ops {
	VACCEL_PLUGIN_OPS_LIST(VACCEL_PLUGIN_OPS_MEMBER_)
};
#undef VACCEL_PLUGIN_OPS_MEMBER_

/** Bump when a change breaks plugins built before it. Appending ops or
 *  members at the end of the structs does not. */
#define VACCEL_PLUGIN_ABI_VERSION 1u

struct vaccel_plugin_desc {
	uint32_t abi_version; /* VACCEL_PLUGIN_ABI_VERSION of the plugin's build */
	uint32_t size; /* sizeof(struct vaccel_plugin_desc) of that build */
	const char *name; /* short unique name, e.g. "noop" */
	const char *version; /* the plugin's own version */
	const char *vaccel_version; /* VACCEL_VERSION it was built with */
	uint32_t type; /* VACCEL_PLUGIN_* bits */
	/* Called once at load; non-zero skips the plugin. Return VACCEL_ENODEV
	 * when the device it drives is absent. May be NULL. */
	int (*init)(void);
	/* Called once at unload. May be NULL. */
	int (*fini)(void);
	/* Optional hooks, called for every session / registration. */
	int (*session_init)(struct vaccel_session *sess, uint32_t flags);
	int (*session_release)(struct vaccel_session *sess);
	int (*resource_register)(struct vaccel_resource *res,
				 struct vaccel_session *sess);
	int (*resource_unregister)(struct vaccel_resource *res,
				   struct vaccel_session *sess);
	uint32_t ops_size; /* sizeof(struct vaccel_plugin_ops) of that build */
	const struct vaccel_plugin_ops *ops; /* the implementations */
	/* Appended in ABI 1 (the runtime reads them only where the plugin's
	 * size reaches them). Optional. Host memory [addr, addr + len) that
	 * will hold operations' arguments for a long time (vaccel-agent's
	 * shared-memory arenas and mailboxes), announced once so that the
	 * plugin can prepare it, e.g. page-lock it so that a device reads it
	 * with no copy on the host. Each register is followed by an
	 * unregister of the same range before the memory goes; a failure is
	 * logged by the runtime and changes nothing else. */
	int (*host_memory_register)(void *addr, size_t len);
	int (*host_memory_unregister)(void *addr, size_t len);
};

/**
 * The first fields of a vaccel_plugin_desc initialiser, in declaration
 * order: the ABI version and size of this build, @p name_, @p version_,
 * the vAccel version built with and the VACCEL_PLUGIN_* bits @p type_.
 * Optional members and VACCEL_PLUGIN_OPS() follow in declaration order, so
 * that one initialiser is valid C and C++20 alike:
 *
 *     static const struct vaccel_plugin_desc mine = {
 *         VACCEL_PLUGIN_DESC("mine", "1.0", VACCEL_PLUGIN_GPU),
 *         .init = mine_init,
 *         VACCEL_PLUGIN_OPS(mine_ops),
 *     };
 */
#define VACCEL_PLUGIN_DESC(name_, version_, type_)                 \
	.abi_version = VACCEL_PLUGIN_ABI_VERSION,                   \
	.size = (uint32_t)sizeof(struct vaccel_plugin_desc),        \
	.name = (name_), .version = (version_),                     \
	.vaccel_version = VACCEL_VERSION, .type = (uint32_t)(type_)
/** The ABI fields alone, for C initialisers written before
 *  VACCEL_PLUGIN_DESC() (C allows designators out of order; C++ does not). */
#define VACCEL_PLUGIN_DESC_HEADER                              \
	.abi_version = VACCEL_PLUGIN_ABI_VERSION,               \
	.size = (uint32_t)sizeof(struct vaccel_plugin_desc),    \
	.vaccel_version = VACCEL_VERSION
/** The operations table @p ops_var and its size. */
#define VACCEL_PLUGIN_OPS(ops_var) \
	.ops_size = (uint32_t)sizeof(struct vaccel_plugin_ops), .ops = &(ops_var)

/** Name of the entry point a shared plugin exports. */
#define VACCEL_PLUGIN_ENTRY_SYMBOL "vaccel_plugin_entry"
typedef const struct vaccel_plugin_desc *(*vaccel_plugin_entry_fn)(void);

/** Make @p desc_var (a struct vaccel_plugin_desc) the program's built-in
 *  plugin named desc_var.name. Called by VACCEL_PLUGIN_ENTRY() in builtin
 *  builds, before main(). At most 32 builtins. */
int vaccel_plugin_register_builtin(const struct vaccel_plugin_desc *desc);

#ifdef __cplusplus
#define VACCEL_PLUGIN_EXTERN_C_ extern "C"
#else
#define VACCEL_PLUGIN_EXTERN_C_
#endif

#ifdef VACCEL_PLUGIN_BUILTIN
#define VACCEL_PLUGIN_ENTRY(tag, desc_var)                                    \
	__attribute__((constructor)) static void vaccel_plugin_ctor_##tag(void) \
	{                                                                     \
		vaccel_plugin_register_builtin(&(desc_var));                  \
	}                                                                     \
	VACCEL_PLUGIN_EXTERN_C_ const struct vaccel_plugin_desc               \
		*const vaccel_plugin_builtin_##tag = &(desc_var);
#else
#define VACCEL_PLUGIN_ENTRY(tag, desc_var)                                  \
	VACCEL_PLUGIN_EXTERN_C_ __attribute__((visibility("default"))) const \
		struct vaccel_plugin_desc *vaccel_plugin_entry(void)        \
	{                                                                   \
		return &(desc_var);                                         \
	}
#endif

/** Load one plugin: a path, a file name searched by the dynamic linker, or
 *  the name of a built-in. VACCEL_EEXIST if a plugin of that name is loaded. */
int vaccel_plugin_load(const char *lib);
/** Load each plugin of a ':'-separated list; failures are logged and
 *  skipped. VACCEL_ENOENT if none loaded. */
int vaccel_plugin_parse_and_load(const char *lib_str);

/** Number of loaded plugins. */
size_t vaccel_plugin_count(void);
/** Name, version and type of the @p idx-th loaded plugin (in selection
 *  order). The strings live as long as the plugin. */
int vaccel_plugin_info(size_t idx, const char **name, const char **version,
		       uint32_t *type);
/** How many plugins the runtime was asked to load (VACCEL_PLUGINS,
 *  vaccel_plugin_load()) since it was last bootstrapped, loaded or not. */
size_t vaccel_plugin_attempt_count(void);
/** The @p idx-th of them, in order, copied into the caller's buffers (cut to
 *  fit, NUL-terminated; a NULL buffer is skipped): @p spec as it was given,
 *  @p code VACCEL_OK if it loaded, else why it was skipped (VACCEL_ENODEV:
 *  no device), @p why what was logged while it failed ("" if it loaded).
 *  VACCEL_ENOENT past the last. */
int vaccel_plugin_attempt(size_t idx, char *spec, size_t spec_len, int *code,
			  char *why, size_t why_len);
/** Announce long-lived host memory to every loaded plugin that takes it
 *  (vaccel_plugin_desc.host_memory_register): memory a host process such as
 *  vaccel-agent keeps for operations' arguments. VACCEL_EINVAL for NULL or
 *  an empty range; otherwise VACCEL_OK, whatever the plugins answer. */
int vaccel_host_memory_register(void *addr, size_t len);
/** The end of such a range, before the memory is unmapped or freed. */
int vaccel_host_memory_unregister(void *addr, size_t len);
/** Name of the plugin that serves @p op for a session with @p hint; NULL if
 *  none. */
const char *vaccel_plugin_for_op(vaccel_op_type_t op, uint32_t hint);

#ifdef __cplusplus
}
#endif
