// SPDX-License-Identifier: Apache-2.0
// Throughput of image classification with N concurrent clients, for
// bench/classify_load.sh:
//
//   vaccel-bench-classify-load direct N SECONDS MODEL IMAGE...
//       N threads, each with its own session and the model registered,
//       call vaccel_image_classification in a loop (the plugins
//       VACCEL_PLUGINS names): the baseline
//   vaccel-bench-classify-load http N SECONDS tcp://HOST:PORT IMAGE...
//       N threads, each on its own keep-alive connection, POST the images
//       to /classify of vaccel-classify-server
//
// Images go round robin. Every answer must be a class (HTTP 200 with one):
// anything else is counted and fails the run. Prints one line:
// "<mode> clients=N images=K seconds=S images_per_s=R".
#include <vaccel.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> images;
std::atomic<bool> stop{false};
std::atomic<uint64_t> done{0}, bad{0};
// Threads past their warm-up (a session made, the model loaded, three
// answers): timing starts when all are.
std::atomic<unsigned> warm{0};
constexpr size_t kWarmup = 3;
std::unique_ptr<vaccel::Resource> model;

std::string read_file(const char *path)
{
	std::ifstream f(path, std::ios::binary);
	return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Like the service: a session per thread, one model registered with all.
void direct(unsigned k)
{
	try {
		vaccel::Session s;
		model->register_with(s);
		for (size_t i = k; !stop.load(std::memory_order_relaxed); ++i) {
			if (i == k + kWarmup)
				warm.fetch_add(1);
			const std::string &img = images[i % images.size()];
			auto r = s.classify(img.data(), img.size());
			if (r.tag.empty())
				bad.fetch_add(1);
			done.fetch_add(1, std::memory_order_relaxed);
		}
	} catch (const std::exception &e) {
		std::fprintf(stderr, "direct: %s\n", e.what());
		bad.fetch_add(1);
	}
}

int connect_to(const std::string &host, const std::string &port)
{
	addrinfo hints{}, *ai = nullptr;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host.c_str(), port.c_str(), &hints, &ai))
		return -1;
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

// One request and its answer on @p fd; false if the connection broke or
// the answer is not a 200 with a class.
bool post(int fd, const std::string &img, std::string &buf)
{
	std::string req = "POST /classify HTTP/1.1\r\nHost: bench\r\n"
			  "Content-Type: application/octet-stream\r\nContent-Length: " +
			  std::to_string(img.size()) + "\r\n\r\n";
	req += img;
	for (size_t off = 0; off < req.size();) {
		ssize_t n = send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	buf.clear();
	size_t head_end = std::string::npos, want = 0;
	char tmp[4096];
	for (;;) {
		if (head_end == std::string::npos) {
			head_end = buf.find("\r\n\r\n");
			if (head_end != std::string::npos) {
				const char *cl = strcasestr(buf.c_str(), "\r\nContent-Length:");
				if (!cl || cl > buf.c_str() + head_end)
					return false;
				want = head_end + 4 + std::strtoull(cl + 17, nullptr, 10);
			}
		}
		if (head_end != std::string::npos && buf.size() >= want)
			break;
		ssize_t n = recv(fd, tmp, sizeof tmp, 0);
		if (n <= 0)
			return false;
		buf.append(tmp, (size_t)n);
	}
	return buf.compare(0, 12, "HTTP/1.1 200") == 0 &&
	       buf.find("\"class\": ", head_end) != std::string::npos;
}

void http(const std::string &host, const std::string &port, unsigned k)
{
	int fd = -1;
	std::string buf;
	for (size_t i = k; !stop.load(std::memory_order_relaxed); ++i) {
		if (fd < 0 && (fd = connect_to(host, port)) < 0) {
			bad.fetch_add(1);
			return;
		}
		if (i == k + kWarmup)
			warm.fetch_add(1);
		if (!post(fd, images[i % images.size()], buf)) {
			bad.fetch_add(1);
			close(fd);
			fd = -1;
			continue;
		}
		done.fetch_add(1, std::memory_order_relaxed);
	}
	if (fd >= 0)
		close(fd);
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 6) {
		std::fprintf(stderr,
			     "usage: %s direct N SECONDS MODEL IMAGE...\n"
			     "       %s http N SECONDS tcp://HOST:PORT IMAGE...\n",
			     argv[0], argv[0]);
		return 2;
	}
	std::string mode = argv[1];
	unsigned n = (unsigned)std::atoi(argv[2]);
	double seconds = std::atof(argv[3]);
	std::string target = argv[4];
	for (int i = 5; i < argc; ++i) {
		images.push_back(read_file(argv[i]));
		if (images.back().empty()) {
			std::fprintf(stderr, "cannot read %s\n", argv[i]);
			return 2;
		}
	}
	std::string host, port;
	if (mode == "http") {
		if (target.rfind("tcp://", 0) != 0 || target.rfind(':') < 6) {
			std::fprintf(stderr, "not tcp://HOST:PORT: %s\n", target.c_str());
			return 2;
		}
		host = target.substr(6, target.rfind(':') - 6);
		port = target.substr(target.rfind(':') + 1);
	} else if (mode != "direct") {
		std::fprintf(stderr, "mode: direct or http\n");
		return 2;
	}
	if (!n || seconds <= 0)
		return 2;
	if (mode == "direct") {
		try {
			model = std::make_unique<vaccel::Resource>(target,
								   VACCEL_RESOURCE_MODEL);
		} catch (const std::exception &e) {
			std::fprintf(stderr, "model: %s\n", e.what());
			return 1;
		}
	}
	std::vector<std::thread> ts;
	for (unsigned k = 0; k < n; ++k) {
		if (mode == "http")
			ts.emplace_back(http, host, port, k);
		else
			ts.emplace_back(direct, k);
	}
	while (warm.load() < n && !bad.load())
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	auto t0 = Clock::now();
	uint64_t done0 = done.load();
	std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
	uint64_t count = done.load() - done0;
	double took = std::chrono::duration<double>(Clock::now() - t0).count();
	stop = true;
	for (auto &t : ts)
		t.join();
	model.reset();
	std::printf("%s clients=%u images=%llu seconds=%.2f images_per_s=%.1f\n",
		    mode.c_str(), n, (unsigned long long)count, took, count / took);
	if (bad.load()) {
		std::fprintf(stderr, "%llu failed requests\n",
			     (unsigned long long)bad.load());
		return 1;
	}
	return 0;
}
