// SPDX-License-Identifier: Apache-2.0
// An image (JPEG, PNG, BMP, PNM, WebP: what OpenCV's imgcodecs decodes) as
// kSide x kSide 8-bit grayscale (classify.hpp), decoded and resized by
// OpenCV (imgcodecs, imgproc). Header-only: plugins share no library.
#pragma once

#include "classify.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdint>

namespace vaccel_plugin {

// false, and logged, if the image is refused or cannot be decoded.
inline bool gray28_opencv(const char *tag, const void *img, size_t len,
			  uint8_t out[kSide * kSide])
{
	if (!image_admitted(tag, img, len))
		return false;
	cv::Mat raw(1, (int)len, CV_8U, const_cast<void *>(img));
	cv::Mat gray = cv::imdecode(raw, cv::IMREAD_GRAYSCALE);
	if (gray.empty()) {
		vaccel_error("[%s] image_classification: cannot decode the image "
			     "(%zu bytes)", tag, len);
		return false;
	}
	cv::Mat dst(kSide, kSide, CV_8U, out);
	if (gray.rows != kSide || gray.cols != kSide)
		cv::resize(gray, dst, dst.size(), 0, 0, cv::INTER_AREA);
	else
		gray.copyTo(dst);
	return true;
}

} // namespace vaccel_plugin
