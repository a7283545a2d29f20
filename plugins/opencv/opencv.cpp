// SPDX-License-Identifier: Apache-2.0
// opencv: image classification with OpenCV's DNN module on ONNX models.
//
// The session's registered MODEL resource holds the model (model.onnx, else
// the first *.onnx) and its labels (labels.txt, else the first *.txt; one a
// line, in output order): the convention of the torch plugin, which reads
// model.pt or *.pt from the same resource. The image (JPEG, PNG,
// anything OpenCV decodes) becomes 1x1x28x28 float grayscale pixels / 255,
// decoded and resized exactly as the torch plugin does, so the same model
// exported both ways gives the same label. The tag is the top-1 label;
// out_imgname is "classify".
//
// No C++ exception leaves the plugin (guarded()).
#include <vaccel.h>

#include "common/gray28_opencv.hpp"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <cinttypes>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace {

using vaccel_plugin::find_blob;

// A failure that carries its vAccel error code, already logged.
struct op_error {
	int code;
};

template <class F> int guarded(const char *op, F &&f) noexcept
{
	try {
		return f();
	} catch (const op_error &e) {
		return e.code;
	} catch (const std::bad_alloc &) {
		vaccel_error("[opencv] %s: out of memory", op);
		return VACCEL_ENOMEM;
	} catch (const cv::Exception &e) {
		// what() spans several lines: the message alone is enough.
		vaccel_error("[opencv] %s: %s", op, e.err.c_str());
		return VACCEL_EBACKEND;
	} catch (const std::exception &e) {
		vaccel_error("[opencv] %s: %s", op, e.what());
		return VACCEL_EBACKEND;
	} catch (...) {
		vaccel_error("[opencv] %s: unexpected exception", op);
		return VACCEL_EBACKEND;
	}
}

// cv::dnn::Net::forward() changes the net's state: one caller at a time.
struct Model {
	std::mutex lock;
	cv::dnn::Net net;
	std::vector<std::string> labels;
};

vaccel_plugin::ModelCache<Model> models;

std::shared_ptr<Model> load(const char *op, vaccel_resource *res)
{
	if (auto m = models.find(res))
		return m;
	vaccel_blob *blob = find_blob(res, "model.onnx", ".onnx");
	size_t size = 0;
	const uint8_t *data = vaccel_blob_data(blob, &size);
	if (!data) {
		vaccel_error("[opencv] %s: cannot read %s", op, blob->name);
		throw op_error{VACCEL_EIO};
	}
	auto m = std::make_shared<Model>();
	// From memory: a resource need not be a file on this machine.
	try {
		m->net = cv::dnn::readNetFromONNX((const char *)data, size);
	} catch (const cv::Exception &e) {
		vaccel_error("[opencv] %s: %s is not an ONNX model OpenCV reads: %s",
			     op, blob->name, e.err.c_str());
		throw op_error{VACCEL_EINVAL};
	}
	if (m->net.empty()) {
		vaccel_error("[opencv] %s: %s holds no network", op, blob->name);
		throw op_error{VACCEL_EINVAL};
	}
	m->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
	m->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
	m->labels = vaccel_plugin::read_labels(res);
	vaccel_debug("[opencv] loaded %s of resource %" PRId64 " (%zu labels)",
		     blob->name, res->id, m->labels.size());
	return models.insert(res, m);
}

// Models go with the plugin, while the framework is still loaded.
int opencv_fini()
{
	return guarded("fini", [] {
		models.clear();
		return VACCEL_OK;
	});
}

int opencv_resource_unregister(vaccel_resource *res, vaccel_session *)
{
	if (vaccel_resource_refcount(res) > 0)
		return VACCEL_OK;
	return guarded("resource_unregister", [res] {
		models.erase(res);
		return VACCEL_OK;
	});
}

int classify(vaccel_session *sess, const void *img, unsigned char *out_text,
	     unsigned char *out_imgname, size_t len_img, size_t len_out_text,
	     size_t len_out_imgname)
{
	const char *op = "image_classification";
	vaccel_resource *res =
		vaccel_plugin::classifier("opencv", sess, "model.onnx", ".onnx", "ONNX");
	if (!res)
		return VACCEL_ENOENT;
	auto m = load(op, res);
	uint8_t pixels[vaccel_plugin::kSide * vaccel_plugin::kSide];
	if (!vaccel_plugin::gray28_opencv("opencv", img, len_img, pixels))
		return VACCEL_EINVAL;
	cv::Mat gray(vaccel_plugin::kSide, vaccel_plugin::kSide, CV_8U, pixels);
	cv::Mat blob = cv::dnn::blobFromImage(gray, 1.0 / 255);
	cv::Mat logits;
	{
		std::lock_guard<std::mutex> g(m->lock);
		m->net.setInput(blob);
		logits = m->net.forward().clone();
	}
	cv::Point top;
	cv::minMaxLoc(logits.reshape(1, 1), nullptr, nullptr, nullptr, &top);
	vaccel_plugin::put_class("opencv", m->labels, (size_t)top.x, out_text,
				 len_out_text, out_imgname, len_out_imgname);
	return VACCEL_OK;
}

int opencv_classify(vaccel_session *sess, const void *img,
		    unsigned char *out_text, unsigned char *out_imgname,
		    size_t len_img, size_t len_out_text, size_t len_out_imgname)
{
	return guarded("image_classification", [&]() -> int {
		return classify(sess, img, out_text, out_imgname, len_img,
				len_out_text, len_out_imgname);
	});
}

const vaccel_plugin_ops opencv_ops = [] {
	vaccel_plugin_ops ops{};
	ops.image_classify = opencv_classify;
	return ops;
}();

const vaccel_plugin_desc opencv_plugin = {
	VACCEL_PLUGIN_DESC("opencv", "1.0",
			   VACCEL_PLUGIN_CPU | VACCEL_PLUGIN_SOFTWARE),
	.fini = opencv_fini,
	.resource_unregister = opencv_resource_unregister,
	VACCEL_PLUGIN_OPS(opencv_ops),
};

} // namespace

VACCEL_PLUGIN_ENTRY(opencv, opencv_plugin)
