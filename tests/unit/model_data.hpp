// SPDX-License-Identifier: Apache-2.0
// The files the build trains into the model directory (models/), read by
// the torch and opencv plugin tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace vtest {

const std::string kModelDir = VACCEL_TEST_MODEL_DIR;

inline std::string slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	return {std::istreambuf_iterator<char>(f), {}};
}

// labels.txt: the class names, one a line.
inline std::vector<std::string> read_labels()
{
	std::istringstream in(slurp(kModelDir + "/labels.txt"));
	std::vector<std::string> out;
	for (std::string l; std::getline(in, l);)
		out.push_back(l);
	return out;
}

// A line of expected.txt: a sample file, the class and the logits Python
// computed from the pixels the file decodes to.
struct Sample {
	std::string file;
	int label;
	std::vector<float> logits;
};

inline std::vector<Sample> read_samples()
{
	std::istringstream in(slurp(kModelDir + "/expected.txt"));
	std::vector<Sample> out;
	for (std::string l; std::getline(in, l);) {
		std::istringstream ls(l);
		Sample s;
		ls >> s.file >> s.label;
		for (float v; ls >> v;)
			s.logits.push_back(v);
		out.push_back(s);
	}
	return out;
}

// The 10,000 test images as PNG, with their labels (t10k.pngs: per image a
// little-endian u32 size, a u8 label, the PNG).
struct Image {
	std::string png;
	int label;
};

inline std::vector<Image> read_test_set()
{
	std::string all = slurp(kModelDir + "/t10k.pngs");
	std::vector<Image> out;
	for (size_t off = 0; off + 5 <= all.size();) {
		uint32_t n;
		std::memcpy(&n, all.data() + off, 4);
		out.push_back({all.substr(off + 5, n), (unsigned char)all[off + 4]});
		off += 5 + n;
	}
	return out;
}

} // namespace vtest
