// SPDX-License-Identifier: Apache-2.0
// torch: TorchScript models on libtorch, on the CPU or a CUDA device.
//
//   VACCEL_TORCH_DEVICE=auto|cpu|cuda[:N]   where models run (default auto:
//       the first CUDA device if this libtorch has CUDA and a device is
//       there, else the CPU). Asking for cuda where there is none skips the
//       plugin ("no device"), as the cuda plugin does. Models are loaded
//       onto that device once; inputs go there once per call and outputs
//       come back to host memory.
//
//   vaccel_torch_model_load / _run   the model of a MODEL resource: its blob
//       model.pt, else its first *.pt (or its only blob), loaded from the
//       blob's bytes, so a resource held in memory works like one on disk.
//   vaccel_image_classification      the session's registered MODEL resource
//       that holds a *.pt classifier and its labels (labels.txt, else the
//       first *.txt; one a line, in output order). The image becomes
//       1x1x28x28 float grayscale pixels / 255, the input of the Fashion-MNIST
//       model the build trains (models/): the model normalises on its own.
//       The tag is the top-1 label; out_imgname is "classify".
//
// Images are decoded and resized by OpenCV where the build has it, by the
// code the opencv plugin uses (plugins/common/gray28_opencv.hpp), so that
// the two differ only in the inference engine and agree on the same image.
// Without OpenCV (a GPU machine with pip's libtorch) libpng and libjpeg
// decode PNG and JPEG to the same pixels (gray28_png_jpeg.hpp); with
// neither, the plugin runs models but does not classify images.
//
// Everything is one translation unit: torch's headers dominate build time.
// No C++ exception leaves the plugin (guarded()).
#include <vaccel.h>

#include "common/model_files.hpp"
#if defined(VACCEL_TORCH_IMAGES_OPENCV)
#include "common/gray28_opencv.hpp"
#define VACCEL_TORCH_IMAGES 1
#elif defined(VACCEL_TORCH_IMAGES_PNG_JPEG)
#include "common/gray28_png_jpeg.hpp"
#define VACCEL_TORCH_IMAGES 1
#endif
#include "common/tensor_out.h"

#include <torch/cuda.h>
#include <torch/script.h>


#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace {

using vaccel_plugin::find_blob;

// A classification failure that carries its vAccel error code.
struct op_error {
	int code;
};

// One line of a torch error. c10::Error::msg() leaves out the C++
// backtrace; an error inside a TorchScript model (a std::runtime_error)
// carries the model's call stack first and its cause on the last line.
std::string one_line(std::string m)
{
	while (!m.empty() && (m.back() == '\n' || m.back() == ' '))
		m.pop_back();
	return m.substr(m.rfind('\n') + 1);
}

template <class F> int guarded(const char *op, F &&f) noexcept
{
	try {
		return f();
	} catch (const op_error &e) {
		return e.code;
	} catch (const std::bad_alloc &) {
		vaccel_error("[torch] %s: out of memory", op);
		return VACCEL_ENOMEM;
	} catch (const c10::OutOfMemoryError &e) {
		vaccel_error("[torch] %s: %s", op, one_line(e.msg()).c_str());
		return VACCEL_ENOMEM;
	} catch (const c10::NotImplementedError &e) {
		vaccel_error("[torch] %s: %s", op, one_line(e.msg()).c_str());
		return VACCEL_ENOTSUP;
	} catch (const c10::Error &e) {
		// What libtorch refuses is nearly always what it was given (a
		// shape or dtype the model cannot take, a file that is not a
		// model): the caller's to fix, and the message says how.
		vaccel_error("[torch] %s: %s", op,
			     one_line(e.msg()).c_str());
		return VACCEL_EINVAL;
	} catch (const std::runtime_error &e) {
		// The TorchScript interpreter rethrows the model's errors so
		// ("RuntimeError: ... input size ...").
		vaccel_error("[torch] %s: %s", op, one_line(e.what()).c_str());
		return VACCEL_EINVAL;
	} catch (const std::exception &e) {
		vaccel_error("[torch] %s: %s", op, one_line(e.what()).c_str());
		return VACCEL_EBACKEND;
	} catch (...) {
		vaccel_error("[torch] %s: unexpected exception", op);
		return VACCEL_EBACKEND;
	}
}

struct Model {
	torch::jit::Module module;
	std::vector<std::string> labels;
};

vaccel_plugin::ModelCache<Model> models;

// Where models run; chosen at init from VACCEL_TORCH_DEVICE.
torch::Device device(torch::kCPU);

int torch_init()
{
	return guarded("init", []() -> int {
		const char *v = getenv("VACCEL_TORCH_DEVICE");
		std::string want = v && *v ? v : "auto";
		const bool cuda = torch::cuda::is_available();
		if (want == "auto") {
			device = cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
		} else if (want == "cpu") {
			device = torch::Device(torch::kCPU);
		} else if (want.rfind("cuda", 0) == 0) {
			int index = 0;
			if (want.size() > 4) {
				char *end = nullptr;
				long n = want[4] == ':' ? strtol(want.c_str() + 5, &end, 10) : -1;
				if (n < 0 || !end || *end || want.size() == 5) {
					vaccel_error("[torch] VACCEL_TORCH_DEVICE=%s: want auto, "
						     "cpu, cuda or cuda:N", want.c_str());
					return VACCEL_EINVAL;
				}
				index = (int)n;
			}
			if (!cuda || index >= (int)torch::cuda::device_count()) {
				vaccel_info("[torch] VACCEL_TORCH_DEVICE=%s: %s", want.c_str(),
					    cuda ? "no such CUDA device"
						 : "this libtorch has no CUDA, or there is no "
						   "CUDA device");
				return VACCEL_ENODEV;
			}
			device = torch::Device(torch::kCUDA, (c10::DeviceIndex)index);
		} else {
			vaccel_error("[torch] VACCEL_TORCH_DEVICE=%s: want auto, cpu, cuda or "
				     "cuda:N", want.c_str());
			return VACCEL_EINVAL;
		}
		vaccel_debug("[torch] models run on %s", device.str().c_str());
		return VACCEL_OK;
	});
}

std::shared_ptr<Model> load(const char *op, vaccel_resource *res)
{
	if (auto m = models.find(res))
		return m;
	vaccel_blob *blob = find_blob(res, "model.pt", ".pt", true);
	if (!blob) {
		vaccel_error("[torch] %s: resource %" PRId64
			     " has no TorchScript file (*.pt)", op, res->id);
		throw op_error{VACCEL_ENOENT};
	}
	size_t size = 0;
	const uint8_t *data = vaccel_blob_data(blob, &size);
	if (!data) {
		vaccel_error("[torch] %s: cannot read %s", op, blob->name);
		throw op_error{VACCEL_EIO};
	}
	auto m = std::make_shared<Model>();
	// From memory: a resource need not be a file on this machine.
	std::istringstream in(std::string((const char *)data, size));
	try {
		m->module = torch::jit::load(in, device);
	} catch (const c10::Error &e) {
		vaccel_error("[torch] %s: %s is not a TorchScript model: %s", op,
			     blob->name,
			     one_line(e.msg()).c_str());
		throw op_error{VACCEL_EINVAL};
	}
	m->module.eval();
	m->labels = vaccel_plugin::read_labels(res);
	vaccel_debug("[torch] loaded %s of resource %" PRId64 " (%zu labels)",
		     blob->name, res->id, m->labels.size());
	return models.insert(res, m);
}

// Models go with the plugin, while the framework is still loaded.
int torch_fini()
{
	return guarded("fini", [] {
		models.clear();
		return VACCEL_OK;
	});
}

int torch_resource_unregister(vaccel_resource *res, vaccel_session *)
{
	if (vaccel_resource_refcount(res) > 0)
		return VACCEL_OK;
	return guarded("resource_unregister", [res] {
		models.erase(res);
		return VACCEL_OK;
	});
}

int torch_model_load(vaccel_session *, vaccel_resource *model)
{
	return guarded("torch_model_load", [&]() -> int {
		load("torch_model_load", model);
		return VACCEL_OK;
	});
}

// vAccel's dtype enum does not share torch's numbering: map by name.
bool to_torch(int t, c10::ScalarType *out)
{
	switch (t) {
	case VACCEL_TORCH_BYTE: *out = torch::kUInt8; return true;
	case VACCEL_TORCH_CHAR: *out = torch::kInt8; return true;
	case VACCEL_TORCH_SHORT: *out = torch::kInt16; return true;
	case VACCEL_TORCH_INT: *out = torch::kInt32; return true;
	case VACCEL_TORCH_LONG: *out = torch::kInt64; return true;
	case VACCEL_TORCH_HALF: *out = torch::kFloat16; return true;
	case VACCEL_TORCH_FLOAT: *out = torch::kFloat32; return true;
	}
	return false;
}

bool from_torch(c10::ScalarType t, vaccel_torch_data_type *out)
{
	switch (t) {
	case torch::kUInt8: *out = VACCEL_TORCH_BYTE; return true;
	case torch::kInt8: *out = VACCEL_TORCH_CHAR; return true;
	case torch::kInt16: *out = VACCEL_TORCH_SHORT; return true;
	case torch::kInt32: *out = VACCEL_TORCH_INT; return true;
	case torch::kInt64: *out = VACCEL_TORCH_LONG; return true;
	case torch::kFloat16: *out = VACCEL_TORCH_HALF; return true;
	case torch::kFloat32: *out = VACCEL_TORCH_FLOAT; return true;
	default: return false;
	}
}

void collect(const c10::IValue &v, std::vector<torch::Tensor> &out)
{
	if (v.isTensor()) {
		out.push_back(v.toTensor());
	} else if (v.isTuple()) {
		for (auto &e : v.toTupleRef().elements())
			collect(e, out);
	} else if (v.isTensorList()) {
		for (const torch::Tensor &t : v.toTensorVector())
			out.push_back(t);
	} else if (v.isList()) {
		for (const c10::IValue &e : v.toListRef())
			collect(e, out);
	} else {
		vaccel_error("[torch] torch_model_run: the model returned a %s, "
			     "not tensors", v.tagKind().c_str());
		throw op_error{VACCEL_EBACKEND};
	}
}

int run(vaccel_resource *model, vaccel_torch_tensor *const *inputs,
	int nr_inputs, vaccel_torch_tensor **outputs, int nr_outputs)
{
	const char *op = "torch_model_run";
	auto m = load(op, model);
	std::vector<c10::IValue> in;
	for (int i = 0; i < nr_inputs; ++i) {
		const vaccel_torch_tensor *t = inputs[i];
		// Read as an integer: a caller's value out of the enum's range
		// is not a valid enum value, and loading it as one is undefined.
		int dt;
		static_assert(sizeof dt == sizeof t->data_type);
		std::memcpy(&dt, &t->data_type, sizeof dt);
		c10::ScalarType type;
		if (!to_torch(dt, &type)) {
			vaccel_error("[torch] %s: input %d: unknown data type %d",
				     op, i, dt);
			return VACCEL_EINVAL;
		}
		std::vector<int64_t> dims(t->dims, t->dims + t->nr_dims);
		int64_t n = 1;
		for (int64_t d : dims) {
			if (d < 0 || (d && n > INT64_MAX / d)) {
				vaccel_error("[torch] %s: input %d: bad dimensions",
					     op, i);
				return VACCEL_EINVAL;
			}
			n *= d;
		}
		size_t want = (size_t)n * c10::elementSize(type);
		if (t->size != want) {
			vaccel_error("[torch] %s: input %d: %zu bytes of data, "
				     "its shape needs %zu",
				     op, i, t->size, want);
			return VACCEL_EINVAL;
		}
		// On a device: the caller's bytes go there in one copy.
		if (!device.is_cpu()) {
			in.emplace_back(torch::from_blob(t->data, dims,
							 torch::TensorOptions(type))
						.to(device));
			continue;
		}
		// Copied: a model may change its inputs in place, and the
		// caller's buffer is not ours to change. A plain copy wrapped
		// with from_blob: clone() goes through torch's dispatcher,
		// which costs more than copying a small tensor.
		void *copy = std::malloc(want ? want : 1);
		if (!copy)
			throw std::bad_alloc();
		if (want)
			std::memcpy(copy, t->data, want);
		in.emplace_back(torch::from_blob(
			copy, dims, [](void *p) { std::free(p); },
			torch::TensorOptions(type)));
	}
	std::vector<torch::Tensor> res;
	{
		c10::InferenceMode guard;
		collect(m->module.forward(in), res);
	}
	if ((int)res.size() < nr_outputs) {
		vaccel_error("[torch] %s: the model gives %zu outputs, %d asked",
			     op, res.size(), nr_outputs);
		return VACCEL_EINVAL;
	}
	std::vector<vaccel_torch_tensor *> made;
	auto undo = [&] {
		for (auto *t : made)
			vaccel_torch_tensor_delete(t);
	};
	for (int i = 0; i < nr_outputs; ++i) {
		torch::Tensor t = res[i].to(torch::kCPU).contiguous();
		vaccel_torch_data_type type = VACCEL_TORCH_FLOAT;
		if (!from_torch(t.scalar_type(), &type)) {
			// Double and bool have no vAccel type: the nearest.
			if (t.scalar_type() == torch::kFloat64)
				t = t.to(torch::kFloat32);
			else if (t.scalar_type() == torch::kBool)
				t = t.to(torch::kUInt8);
			else {
				vaccel_error("[torch] %s: output %d has type %s",
					     op, i, c10::toString(t.scalar_type()));
				undo();
				return VACCEL_EBACKEND;
			}
			from_torch(t.scalar_type(), &type);
		}
		size_t bytes = t.nbytes();
		vaccel_torch_tensor *o = nullptr;
		int ret = vaccel_torch_tensor_out(&o, t.dim(),
						       t.sizes().data(), type,
						       bytes);
		if (ret) {
			undo();
			return ret;
		}
		made.push_back(o);
		if (bytes)
			std::memcpy(o->data, t.data_ptr(), bytes);
	}
	for (int i = 0; i < nr_outputs; ++i)
		outputs[i] = made[i];
	return VACCEL_OK;
}

int torch_model_run(vaccel_session *, vaccel_resource *model,
		    const vaccel_torch_buffer *, vaccel_torch_tensor *const *inputs,
		    int nr_inputs, vaccel_torch_tensor **outputs, int nr_outputs)
{
	return guarded("torch_model_run", [&]() -> int {
		return run(model, inputs, nr_inputs, outputs, nr_outputs);
	});
}

#ifdef VACCEL_TORCH_IMAGES
#ifdef VACCEL_TORCH_IMAGES_OPENCV
constexpr auto gray28 = vaccel_plugin::gray28_opencv;
#else
constexpr auto gray28 = vaccel_plugin::gray28_png_jpeg;
#endif

int classify(vaccel_session *sess, const void *img, unsigned char *out_text,
	     unsigned char *out_imgname, size_t len_img, size_t len_out_text,
	     size_t len_out_imgname)
{
	const char *op = "image_classification";
	vaccel_resource *res =
		vaccel_plugin::classifier("torch", sess, "model.pt", ".pt", "TorchScript");
	if (!res)
		return VACCEL_ENOENT;
	auto m = load(op, res);
	constexpr int side = vaccel_plugin::kSide;
	uint8_t gray[side * side];
	if (!gray28("torch", img, len_img, gray))
		return VACCEL_EINVAL;
	float pixels[side * side];
	for (int i = 0; i < side * side; ++i)
		pixels[i] = gray[i] * (1.0F / 255);
	// pixels outlives the forward pass: no copy needed on the CPU.
	torch::Tensor input = torch::from_blob(pixels, {1, 1, side, side}).to(device);
	torch::Tensor logits;
	{
		c10::InferenceMode guard;
		logits = m->module.forward({input}).toTensor();
	}
	int64_t top = logits.reshape({-1}).argmax().item<int64_t>();
	vaccel_plugin::put_class("torch", m->labels, (size_t)top, out_text,
				 len_out_text, out_imgname, len_out_imgname);
	return VACCEL_OK;
}

int torch_classify(vaccel_session *sess, const void *img,
		   unsigned char *out_text, unsigned char *out_imgname,
		   size_t len_img, size_t len_out_text, size_t len_out_imgname)
{
	return guarded("image_classification", [&]() -> int {
		return classify(sess, img, out_text, out_imgname, len_img,
				len_out_text, len_out_imgname);
	});
}

#endif

const vaccel_plugin_ops torch_ops = [] {
	vaccel_plugin_ops ops{};
	ops.torch_model_load = torch_model_load;
	ops.torch_model_run = torch_model_run;
#ifdef VACCEL_TORCH_IMAGES
	ops.image_classify = torch_classify;
#endif
	return ops;
}();

const vaccel_plugin_desc torch_plugin = {
	VACCEL_PLUGIN_DESC("torch", "1.0",
			   VACCEL_PLUGIN_TORCH | VACCEL_PLUGIN_CPU | VACCEL_PLUGIN_GPU),
	.init = torch_init,
	.fini = torch_fini,
	.resource_unregister = torch_resource_unregister,
	VACCEL_PLUGIN_OPS(torch_ops),
};

} // namespace

VACCEL_PLUGIN_ENTRY(torch, torch_plugin)
