// SPDX-License-Identifier: Apache-2.0
#include "metrics.hpp"

#include <vaccel.h>

#include "rpc/wire.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <unistd.h>

#ifdef VACCEL_AGENT_HAVE_MHD
#include <microhttpd.h>
#endif

namespace vaccel::agent {

double Metrics::now_seconds()
{
	timespec ts{};
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void Metrics::set_plugins(std::vector<std::string> loaded,
			  std::vector<Attempt> attempts)
{
	if (loaded.size() > kMaxPlugins)
		loaded.resize(kMaxPlugins); // the rest count as "none"
	plugins_ = std::move(loaded);
	attempts_ = std::move(attempts);
}

int Metrics::plugin_index(const char *name) const
{
	if (name)
		for (size_t i = 0; i < plugins_.size(); ++i)
			if (plugins_[i] == name)
				return (int)i;
	return kMaxPlugins;
}

void Metrics::opened(Transport t, Local &l)
{
	accepted_[t].fetch_add(1, std::memory_order_relaxed);
	std::lock_guard lk(live_lock_);
	live_.insert({&l, t});
}

void Metrics::closed(Transport t, Local &l)
{
	std::lock_guard lk(live_lock_);
	live_.erase({&l, t});
	for (int m = 0; m < kMessages; ++m)
		requests_[m].fetch_add(l.requests[m].get(), std::memory_order_relaxed);
	in_[t].fetch_add(l.in.get(), std::memory_order_relaxed);
	out_[t].fetch_add(l.out.get(), std::memory_order_relaxed);
	for (auto &slot : l.slots) {
		int k = slot.key.load(std::memory_order_acquire);
		if (k < 0)
			continue;
		auto &c = cells_[k / 64][k % 64];
		for (size_t b = 0; b < c.buckets.size(); ++b)
			c.buckets[b].fetch_add(slot.cell.buckets[b].get(),
					       std::memory_order_relaxed);
		c.sum_ns.fetch_add(slot.cell.sum_ns.get(), std::memory_order_relaxed);
		c.errors.fetch_add(slot.cell.errors.get(), std::memory_order_relaxed);
	}
}

bool Metrics::ready(std::string *why) const
{
	auto no = [&](std::string s) {
		if (why)
			*why = std::move(s);
		return false;
	};
	if (stopping_.load())
		return no("stopping");
	if (!listening_.load())
		return no("not listening yet");
	// A plugin that found no device was skipped as designed (a GPU plugin
	// on a host without one); any other failure is a fault.
	for (auto &a : attempts_)
		if (a.code != VACCEL_OK && a.code != VACCEL_ENODEV)
			return no("plugin " + a.spec + " did not load: " +
				  (a.why.empty() ? std::string(strerror(a.code)) : a.why));
	if (plugins_.empty())
		return no("no plugin is loaded (VACCEL_PLUGINS)");
	return true;
}

namespace {

// Label values are quoted; a backslash, a quote and a newline escaped.
std::string label(const std::string &v)
{
	std::string out;
	out.reserve(v.size());
	for (char c : v) {
		if (c == '\\' || c == '"') {
			out += '\\';
			out += c;
		} else if (c == '\n') {
			out += "\\n";
		} else {
			out += c;
		}
	}
	return out;
}

class Text {
public:
	void family(const char *name, const char *type, const char *help)
	{
		add("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	}
	void add(const char *fmt, ...) __attribute__((format(printf, 2, 3)))
	{
		char line[1024];
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(line, sizeof line, fmt, ap);
		va_end(ap);
		if (n > 0)
			s_.append(line, std::min<size_t>((size_t)n, sizeof line - 1));
	}
	std::string take() { return std::move(s_); }

private:
	std::string s_;
};

const char *const kTransportNames[] = {"unix", "tcp", "vsock"};
const char *const kRefusalNames[] = {"peer_connections", "agent_connections",
				     "no_thread", "memory_budget"};

const char *message_name(unsigned t)
{
	using vaccel::rpc::Msg;
	switch ((Msg)t) {
	case Msg::hello: return "hello";
	case Msg::session_init: return "session_init";
	case Msg::session_release: return "session_release";
	case Msg::blob_query: return "blob_query";
	case Msg::blob_put: return "blob_put";
	case Msg::resource_register: return "resource_register";
	case Msg::resource_unregister: return "resource_unregister";
	case Msg::op: return "op";
	case Msg::model: return "model";
	case Msg::arena: return "arena";
	case Msg::mailbox: return "mailbox";
	}
	return nullptr;
}

} // namespace

std::string Metrics::render() const
{
	// What closed connections left plus what live ones hold now, read
	// under the lock that keeps a connection from moving between the two.
	struct Sum {
		uint64_t buckets[kBucketsNs.size() + 1] = {}, sum_ns = 0, errors = 0;
	};
	std::vector<Sum> cells((size_t)VACCEL_OP_MAX * (kMaxPlugins + 1));
	uint64_t requests[kMessages], in[kTransports], sent[kTransports];
	int64_t open[kTransports] = {}; // the live connections, by transport
	{
		std::lock_guard lk(live_lock_);
		for (unsigned op = 0; op < VACCEL_OP_MAX; ++op)
			for (int p = 0; p <= kMaxPlugins; ++p) {
				auto &c = cells_[op][p];
				Sum &s = cells[op * (kMaxPlugins + 1) + p];
				for (size_t b = 0; b < c.buckets.size(); ++b)
					s.buckets[b] = c.buckets[b].load(std::memory_order_relaxed);
				s.sum_ns = c.sum_ns.load(std::memory_order_relaxed);
				s.errors = c.errors.load(std::memory_order_relaxed);
			}
		for (int m = 0; m < kMessages; ++m)
			requests[m] = requests_[m].load(std::memory_order_relaxed);
		for (int i = 0; i < kTransports; ++i) {
			in[i] = in_[i].load(std::memory_order_relaxed);
			sent[i] = out_[i].load(std::memory_order_relaxed);
		}
		for (auto &[l, t] : live_) {
			++open[t];
			for (int m = 0; m < kMessages; ++m)
				requests[m] += l->requests[m].get();
			in[t] += l->in.get();
			sent[t] += l->out.get();
			for (auto &slot : l->slots) {
				int k = slot.key.load(std::memory_order_acquire);
				if (k < 0)
					continue;
				Sum &s = cells[(k / 64) * (kMaxPlugins + 1) + k % 64];
				for (size_t b = 0; b < slot.cell.buckets.size(); ++b)
					s.buckets[b] += slot.cell.buckets[b].get();
				s.sum_ns += slot.cell.sum_ns.get();
				s.errors += slot.cell.errors.get();
			}
		}
	}
	Text t;
	t.family("vaccel_agent_info", "gauge", "The agent's version and protocol.");
	t.add("vaccel_agent_info{version=\"%s\",protocol=\"%u\"} 1\n", VACCEL_VERSION,
	      (unsigned)vaccel::rpc::kVersion);
	t.family("vaccel_agent_start_time_seconds", "gauge",
		 "When the agent started, in seconds since the epoch.");
	t.add("vaccel_agent_start_time_seconds %.3f\n", started_);
	std::string why;
	t.family("vaccel_agent_ready", "gauge",
		 "1 when listening with every plugin loaded, else 0.");
	t.add("vaccel_agent_ready %d\n", ready(&why) ? 1 : 0);
	t.family("vaccel_agent_plugin_loaded", "gauge",
		 "Each plugin asked for (VACCEL_PLUGINS): 1 loaded, 0 not; state "
		 "loaded, no_device (skipped) or failed.");
	for (auto &a : attempts_)
		t.add("vaccel_agent_plugin_loaded{plugin=\"%s\",state=\"%s\"} %d\n",
		      label(a.spec).c_str(),
		      a.code == VACCEL_OK	     ? "loaded"
		      : a.code == VACCEL_ENODEV ? "no_device"
						: "failed",
		      a.code == VACCEL_OK ? 1 : 0);

	// Calls: only the series that saw a call, as exporters usually do.
	const char *calls = "vaccel_agent_calls_total";
	const char *errors = "vaccel_agent_call_errors_total";
	const char *secs = "vaccel_agent_call_duration_seconds";
	Text c, e, h;
	c.family(calls, "counter", "Operations served, by operation and plugin.");
	e.family(errors, "counter", "Operations that returned an error.");
	h.family(secs, "histogram",
		 "Time from a request's header read to its reply sent.");
	for (unsigned op = 0; op < VACCEL_OP_MAX; ++op) {
		char name[64];
		vaccel_op_type_to_lower((vaccel_op_type_t)op, name, sizeof name);
		for (int p = 0; p <= kMaxPlugins; ++p) {
			const Sum &cell = cells[op * (kMaxPlugins + 1) + p];
			const uint64_t *counts = cell.buckets;
			uint64_t n = 0;
			for (size_t b = 0; b <= kBucketsNs.size(); ++b)
				n += counts[b];
			if (!n)
				continue;
			std::string l = "op=\"" + std::string(name) + "\",plugin=\"" +
					label(p < (int)plugins_.size() ? plugins_[p] : "none") + "\"";
			c.add("%s{%s} %" PRIu64 "\n", calls, l.c_str(), n);
			e.add("%s{%s} %" PRIu64 "\n", errors, l.c_str(), cell.errors);
			uint64_t cum = 0;
			for (size_t b = 0; b < kBucketsNs.size(); ++b) {
				cum += counts[b];
				h.add("%s_bucket{%s,le=\"%g\"} %" PRIu64 "\n", secs, l.c_str(),
				      kBucketsNs[b] / 1e9, cum);
			}
			h.add("%s_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n", secs, l.c_str(), n);
			h.add("%s_sum{%s} %.9f\n", secs, l.c_str(), cell.sum_ns / 1e9);
			h.add("%s_count{%s} %" PRIu64 "\n", secs, l.c_str(), n);
		}
	}
	std::string out = t.take() + c.take() + e.take() + h.take();

	t.family("vaccel_agent_requests_total", "counter",
		 "Requests read whole, by message type.");
	for (unsigned m = 0; m < kMessages; ++m)
		if (const char *n = message_name(m))
			t.add("vaccel_agent_requests_total{message=\"%s\"} %" PRIu64 "\n", n,
			      requests[m]);
	t.family("vaccel_agent_received_bytes_total", "counter",
		 "Bytes of requests read, by transport (shared-memory arguments "
		 "excluded).");
	for (int i = 0; i < kTransports; ++i)
		t.add("vaccel_agent_received_bytes_total{transport=\"%s\"} %" PRIu64 "\n",
		      kTransportNames[i], in[i]);
	t.family("vaccel_agent_sent_bytes_total", "counter",
		 "Bytes of replies sent, by transport.");
	for (int i = 0; i < kTransports; ++i)
		t.add("vaccel_agent_sent_bytes_total{transport=\"%s\"} %" PRIu64 "\n",
		      kTransportNames[i], sent[i]);
	t.family("vaccel_agent_connections", "gauge", "Connections open now.");
	for (int i = 0; i < kTransports; ++i)
		t.add("vaccel_agent_connections{transport=\"%s\"} %" PRId64 "\n",
		      kTransportNames[i], open[i]);
	t.family("vaccel_agent_connections_accepted_total", "counter",
		 "Connections accepted.");
	for (int i = 0; i < kTransports; ++i)
		t.add("vaccel_agent_connections_accepted_total{transport=\"%s\"} %" PRIu64 "\n",
		      kTransportNames[i], accepted_[i].load(std::memory_order_relaxed));
	t.family("vaccel_agent_refusals_total", "counter",
		 "Connections and requests refused by a limit.");
	for (int i = 0; i < kRefusals; ++i)
		t.add("vaccel_agent_refusals_total{reason=\"%s\"} %" PRIu64 "\n",
		      kRefusalNames[i], refused_[i].load(std::memory_order_relaxed));
	t.family("vaccel_agent_sessions", "gauge", "Guest sessions open now.");
	t.add("vaccel_agent_sessions %" PRId64 "\n", sessions_.load(std::memory_order_relaxed));
	t.family("vaccel_agent_cache_lookups_total", "counter",
		 "Resource contents looked up in the cache by hash.");
	t.add("vaccel_agent_cache_lookups_total{result=\"hit\"} %" PRIu64 "\n",
	      cache_hits_.load(std::memory_order_relaxed));
	t.add("vaccel_agent_cache_lookups_total{result=\"miss\"} %" PRIu64 "\n",
	      cache_misses_.load(std::memory_order_relaxed));
	if (gauges) {
		Gauges g = gauges();
		t.family("vaccel_agent_cache_bytes", "gauge", "Bytes the resource cache holds.");
		t.add("vaccel_agent_cache_bytes %" PRIu64 "\n", g.cache_bytes);
		t.family("vaccel_agent_cache_limit_bytes", "gauge",
			 "The resource cache's size limit (--cache-bytes).");
		t.add("vaccel_agent_cache_limit_bytes %" PRIu64 "\n", g.cache_limit);
		t.family("vaccel_agent_cache_entries", "gauge", "Contents the cache holds.");
		t.add("vaccel_agent_cache_entries %" PRIu64 "\n", g.cache_entries);
		t.family("vaccel_agent_memory_budget_bytes", "gauge",
			 "Memory for all guests together (--memory-budget).");
		t.add("vaccel_agent_memory_budget_bytes %" PRIu64 "\n", g.budget_limit);
		t.family("vaccel_agent_memory_used_bytes", "gauge",
			 "Of the memory budget, what guests hold now.");
		t.add("vaccel_agent_memory_used_bytes %" PRIu64 "\n", g.budget_used);
	}
	return out + t.take();
}

#ifdef VACCEL_AGENT_HAVE_MHD

class MetricsServer {
public:
	MHD_Daemon *d = nullptr;
	const Metrics *m = nullptr;
};

namespace {

MHD_Result answer(MHD_Connection *c, unsigned status, const std::string &body,
		  const char *type)
{
	MHD_Response *r = MHD_create_response_from_buffer(
		body.size(), (void *)body.data(), MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

MHD_Result handle(void *cls, MHD_Connection *c, const char *url,
		  const char *method, const char *, const char *,
		  size_t *upload_size, void **state)
{
	auto *s = static_cast<MetricsServer *>(cls);
	const char *plain = "text/plain; charset=utf-8";
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		   strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	// The first call for a request comes with its headers only; a body
	// (nothing here takes one) is refused once it starts to arrive.
	if (!*state) {
		static int seen;
		*state = &seen;
		if (get)
			return MHD_YES;
	}
	if (!get || *upload_size) {
		*upload_size = 0;
		MHD_Response *r = MHD_create_response_from_buffer(
			20, (void *)"only GET is served\n", MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		MHD_Result ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (strcmp(url, "/metrics") == 0)
		return answer(c, MHD_HTTP_OK, s->m->render(),
			      "text/plain; version=0.0.4; charset=utf-8");
	if (strcmp(url, "/health/live") == 0)
		return answer(c, MHD_HTTP_OK, "live\n", plain);
	if (strcmp(url, "/health/ready") == 0) {
		std::string why;
		if (s->m->ready(&why))
			return answer(c, MHD_HTTP_OK, "ready\n", plain);
		return answer(c, MHD_HTTP_SERVICE_UNAVAILABLE, "not ready: " + why + "\n",
			      plain);
	}
	return answer(c, MHD_HTTP_NOT_FOUND,
		      "not found: /metrics, /health/live, /health/ready\n", plain);
}

} // namespace

MetricsServer *metrics_serve(const Metrics &m, int fd, std::string &why)
{
	auto *s = new MetricsServer;
	s->m = &m;
	// One thread of its own, a few connections at a time, small buffers,
	// short timeouts: scrapers and probes, never the guests' path.
	s->d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, nullptr, nullptr,
		handle, s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)8,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_END);
	if (!s->d) {
		why = "libmicrohttpd could not start";
		delete s;
		return nullptr;
	}
	return s;
}

void metrics_stop(MetricsServer *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	delete s;
}

bool metrics_available() { return true; }

#else

class MetricsServer {};

MetricsServer *metrics_serve(const Metrics &, int, std::string &why)
{
	why = "this agent was built without libmicrohttpd";
	return nullptr;
}
void metrics_stop(MetricsServer *) {}
bool metrics_available() { return false; }

#endif

} // namespace vaccel::agent
