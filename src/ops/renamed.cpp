// SPDX-License-Identifier: Apache-2.0
// Upstream vAccel 0.7's names of operations renamed since: programs written
// for that release build and run unchanged (include/vaccel/ops/*.h).
#include "vaccel.h"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {
// The renamed operations take the model non-const; they do not change it.
vaccel_resource *model_of(const vaccel_resource *m)
{
	return const_cast<vaccel_resource *>(m);
}
} // namespace

extern "C" {

int vaccel_tf_session_load(vaccel_session *sess, vaccel_resource *model,
			   vaccel_tf_status *status)
{
	return vaccel_tf_model_load(sess, model, status);
}

int vaccel_tf_session_run(vaccel_session *sess, const vaccel_resource *model,
			  const vaccel_tf_buffer *run_options,
			  const vaccel_tf_node *in_nodes, vaccel_tf_tensor *const *in,
			  int nr_inputs, const vaccel_tf_node *out_nodes,
			  vaccel_tf_tensor **out, int nr_outputs,
			  vaccel_tf_status *status)
{
	return vaccel_tf_model_run(sess, model_of(model), run_options, in_nodes, in,
				   nr_inputs, out_nodes, out, nr_outputs, status);
}

int vaccel_tf_session_delete(vaccel_session *sess, vaccel_resource *model,
			     vaccel_tf_status *status)
{
	return vaccel_tf_model_unload(sess, model, status);
}

int vaccel_tflite_session_load(vaccel_session *sess, vaccel_resource *model)
{
	return vaccel_tflite_model_load(sess, model);
}

int vaccel_tflite_session_run(vaccel_session *sess, const vaccel_resource *model,
			      vaccel_tflite_tensor *const *in, int nr_inputs,
			      vaccel_tflite_tensor **out, int nr_outputs,
			      uint8_t *status)
{
	return vaccel_tflite_model_run(sess, model_of(model), in, nr_inputs, out,
				       nr_outputs, status);
}

int vaccel_tflite_session_delete(vaccel_session *sess, vaccel_resource *model)
{
	return vaccel_tflite_model_unload(sess, model);
}

int vaccel_torch_jitload_forward(vaccel_session *sess, const vaccel_resource *model,
				 const vaccel_torch_buffer *run_options,
				 vaccel_torch_tensor **in_tensor, int nr_read,
				 vaccel_torch_tensor **out_tensor, int nr_write)
{
	return vaccel_torch_model_run(sess, model_of(model), run_options, in_tensor,
				      nr_read, out_tensor, nr_write);
}

} // extern "C"
