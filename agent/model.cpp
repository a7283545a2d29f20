// SPDX-License-Identifier: Apache-2.0
// MODEL requests: a torch, tf or tflite model loaded, unloaded or run for a
// guest; its tensors checked against what their types and dimensions
// imply, the outputs sent back in place (wire.hpp, encode_model_reply).
#include "agent.hpp"

namespace vaccel::agent {

namespace {

// Bytes per element of a dtype of @p op's framework: 0 if the dtype is
// unknown (refused), kAnySize for those whose size the dims do not fix
// (strings, resources, variants, 4-bit packed), which only the plugin can
// check.
constexpr uint64_t kAnySize = ~0ull;

uint64_t elem_size(uint32_t op, uint32_t t)
{
	if (op == VACCEL_OP_TORCH_MODEL_RUN) {
		switch (t) {
		case VACCEL_TORCH_BYTE: case VACCEL_TORCH_CHAR: return 1;
		case VACCEL_TORCH_SHORT: case VACCEL_TORCH_HALF: return 2;
		case VACCEL_TORCH_INT: case VACCEL_TORCH_FLOAT: return 4;
		case VACCEL_TORCH_LONG: return 8;
		}
		return 0;
	}
	if (op == VACCEL_OP_TF_MODEL_RUN) {
		switch (t) {
		case VACCEL_TF_UINT8: case VACCEL_TF_INT8: case VACCEL_TF_BOOL:
		case VACCEL_TF_QINT8: case VACCEL_TF_QUINT8:
			return 1;
		case VACCEL_TF_INT16: case VACCEL_TF_BFLOAT16: case VACCEL_TF_QINT16:
		case VACCEL_TF_QUINT16: case VACCEL_TF_UINT16: case VACCEL_TF_HALF:
			return 2;
		case VACCEL_TF_FLOAT: case VACCEL_TF_INT32: case VACCEL_TF_QINT32:
		case VACCEL_TF_UINT32:
			return 4;
		case VACCEL_TF_DOUBLE: case VACCEL_TF_COMPLEX64: case VACCEL_TF_INT64:
		case VACCEL_TF_UINT64:
			return 8;
		case VACCEL_TF_COMPLEX128: return 16;
		case VACCEL_TF_STRING: case VACCEL_TF_RESOURCE: case VACCEL_TF_VARIANT:
			return kAnySize;
		}
		return 0;
	}
	switch (t) {
	case VACCEL_TFLITE_UINT8: case VACCEL_TFLITE_BOOL: case VACCEL_TFLITE_INT8:
		return 1;
	case VACCEL_TFLITE_INT16: case VACCEL_TFLITE_FLOAT16: case VACCEL_TFLITE_UINT16:
		return 2;
	case VACCEL_TFLITE_FLOAT32: case VACCEL_TFLITE_INT32: case VACCEL_TFLITE_UINT32:
		return 4;
	case VACCEL_TFLITE_INT64: case VACCEL_TFLITE_COMPLEX64: case VACCEL_TFLITE_FLOAT64:
	case VACCEL_TFLITE_UINT64:
		return 8;
	case VACCEL_TFLITE_COMPLEX128: return 16;
	case VACCEL_TFLITE_STRING: case VACCEL_TFLITE_RESOURCE:
	case VACCEL_TFLITE_VARIANT: case VACCEL_TFLITE_INT4:
		return kAnySize;
	}
	return 0;
}

// The size a tensor's dims and dtype imply must be the size it carries.
bool consistent(uint32_t op, const TensorDesc &t)
{
	uint64_t n = elem_size(op, t.dtype);
	if (n == kAnySize)
		return true;
	if (!n)
		return false;
	for (int64_t d : t.dims)
		if (__builtin_mul_overflow(n, (uint64_t)d, &n))
			return false;
	return n == t.size;
}

void del(vaccel_torch_tensor *t) { vaccel_torch_tensor_delete(t); }
void del(vaccel_tf_tensor *t) { vaccel_tf_tensor_delete(t); }
void del(vaccel_tflite_tensor *t) { vaccel_tflite_tensor_delete(t); }

// The inputs of a run as the framework's tensors, borrowing the request's
// bytes; Dim is the framework's dims type (tflite's are 32-bit).
template <class Tensor, class Dim> struct Inputs {
	std::vector<Tensor> tensors;
	std::vector<std::vector<Dim>> dims;
	std::vector<Tensor *> ptrs;

	// Returns 0 or the index + 1 of the first input refused.
	size_t build(uint32_t op, const std::vector<TensorDesc> &in)
	{
		tensors.resize(in.size());
		dims.resize(in.size());
		for (size_t i = 0; i < in.size(); ++i) {
			const TensorDesc &d = in[i];
			if (!consistent(op, d))
				return i + 1;
			for (int64_t x : d.dims) {
				if (x > std::numeric_limits<Dim>::max())
					return i + 1;
				dims[i].push_back((Dim)x);
			}
			Tensor &t = tensors[i];
			t.data = const_cast<uint8_t *>(d.data);
			t.size = d.size;
			t.owned = false;
			t.nr_dims = (decltype(t.nr_dims))dims[i].size();
			t.dims = dims[i].data();
			t.data_type = (decltype(t.data_type))d.dtype;
			ptrs.push_back(&t);
		}
		return 0;
	}
};

// Outputs a plugin returned, checked, as descriptors for the reply; the
// plugin's tensors are freed with the object.
template <class Tensor> struct Outputs {
	std::vector<Tensor *> ptrs;
	std::vector<TensorDesc> descs;
	explicit Outputs(size_t n) : ptrs(n, nullptr) {}
	~Outputs()
	{
		for (Tensor *t : ptrs)
			if (t)
				del(t);
	}
	int describe()
	{
		for (Tensor *o : ptrs) {
			if (!o || (o->size && !o->data) || (o->nr_dims < 0) ||
			    o->nr_dims > (int64_t)kMaxDims || (o->nr_dims && !o->dims)) {
				vaccel_error("[agent] plugin returned a malformed tensor");
				return VACCEL_EBACKEND;
			}
			TensorDesc d;
			d.dtype = (uint32_t)o->data_type;
			d.dims.assign(o->dims, o->dims + o->nr_dims);
			d.size = o->size;
			d.data = static_cast<const uint8_t *>(o->data);
			descs.push_back(std::move(d));
		}
		return VACCEL_OK;
	}
};

} // namespace

bool Connection::on_model(const Header &h, const Bytes &body)
{
	ModelRequest t;
	if (decode_model(body.data(), body.size(), t))
		return false;
	vaccel_session *s = session(t.session);
	auto it = resources_.find(t.resource);
	if (!s || it == resources_.end() || it->second.sess != s)
		return reply(h, VACCEL_EINVAL) == 0;
	vaccel_resource *model = it->second.res;
	serving(t.op, s);
	Writer w, st;
	std::vector<iovec> iov(1);
	int ret = VACCEL_OK;
	auto refused = [&](size_t i) {
		vaccel_error("[agent] connection %" PRIu64 ": input tensor %zu: "
			     "unknown type, or a size its dims do not give",
			     id_, i - 1);
		return reply(h, VACCEL_EINVAL) == 0;
	};
	switch (t.op) {
	case VACCEL_OP_TORCH_MODEL_LOAD:
		return reply(h, vaccel_torch_model_load(s, model)) == 0;
	case VACCEL_OP_TFLITE_MODEL_LOAD:
		return reply(h, vaccel_tflite_model_load(s, model)) == 0;
	case VACCEL_OP_TFLITE_MODEL_UNLOAD:
		return reply(h, vaccel_tflite_model_unload(s, model)) == 0;
	case VACCEL_OP_TF_MODEL_LOAD:
	case VACCEL_OP_TF_MODEL_UNLOAD: {
		vaccel_tf_status status{};
		ret = t.op == VACCEL_OP_TF_MODEL_LOAD
			      ? vaccel_tf_model_load(s, model, &status)
			      : vaccel_tf_model_unload(s, model, &status);
		if (!ret) {
			encode_status(st, status.code, status.message);
			iov.push_back({st.buf().data(), st.size()});
		}
		vaccel_tf_status_release(&status);
		return reply(h, ret, iov) == 0;
	}
	case VACCEL_OP_TORCH_MODEL_RUN: {
		Inputs<vaccel_torch_tensor, int64_t> in;
		if (size_t bad = in.build(t.op, t.in))
			return refused(bad);
		Outputs<vaccel_torch_tensor> out(t.nr_out);
		ret = vaccel_torch_model_run(s, model, nullptr, in.ptrs.data(),
					     (int)in.ptrs.size(), out.ptrs.data(),
					     (int)out.ptrs.size());
		if (!ret && !(ret = out.describe()))
			encode_model_reply(w, iov, out.descs);
		return reply(h, ret, iov) == 0;
	}
	case VACCEL_OP_TF_MODEL_RUN: {
		Inputs<vaccel_tf_tensor, int64_t> in;
		if (size_t bad = in.build(t.op, t.in))
			return refused(bad);
		// The node names live in the request: borrowed, not copied.
		auto nodes = [](std::vector<NodeDesc> &d) {
			std::vector<vaccel_tf_node> v;
			for (auto &n : d)
				v.push_back(vaccel_tf_node{n.name.data(), n.id});
			return v;
		};
		std::vector<vaccel_tf_node> in_nodes = nodes(t.in_nodes),
					    out_nodes = nodes(t.out_nodes);
		Outputs<vaccel_tf_tensor> out(t.nr_out);
		vaccel_tf_status status{};
		ret = vaccel_tf_model_run(s, model, nullptr, in_nodes.data(),
					  in.ptrs.data(), (int)in.ptrs.size(),
					  out_nodes.data(), out.ptrs.data(),
					  (int)out.ptrs.size(), &status);
		if (!ret && !(ret = out.describe())) {
			encode_model_reply(w, iov, out.descs);
			encode_status(st, status.code, status.message);
			iov.push_back({st.buf().data(), st.size()});
		}
		vaccel_tf_status_release(&status);
		return reply(h, ret, iov) == 0;
	}
	case VACCEL_OP_TFLITE_MODEL_RUN: {
		Inputs<vaccel_tflite_tensor, int32_t> in;
		if (size_t bad = in.build(t.op, t.in))
			return refused(bad);
		Outputs<vaccel_tflite_tensor> out(t.nr_out);
		uint8_t status = 0;
		ret = vaccel_tflite_model_run(s, model, in.ptrs.data(),
					      (int)in.ptrs.size(), out.ptrs.data(),
					      (int)out.ptrs.size(), &status);
		if (!ret && !(ret = out.describe())) {
			encode_model_reply(w, iov, out.descs);
			encode_status(st, status, nullptr);
			iov.push_back({st.buf().data(), st.size()});
		}
		return reply(h, ret, iov) == 0;
	}
	}
	return false; // decode_model admits no other operation
}

} // namespace vaccel::agent
