// SPDX-License-Identifier: Apache-2.0
// vaccel-agent as operators run it: its metrics and health scraped over
// HTTP while guests call it, and its start by systemd (sockets passed in,
// readiness told).
#include "agent_process.hpp"
#include "guest.hpp"
#include "raw_client.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <vector>

using vtest::Agent;
using vtest::boot_remote;
using vtest::plugin;

namespace {

const std::string kHostPlugins = plugin("exec") + ":" + plugin("noop");

struct Response {
	int status = 0;
	std::string body;
};

// One HTTP/1.0 request to @p url ("http://127.0.0.1:PORT") for @p path: a
// client of a few lines is all a test needs, the server is libmicrohttpd.
Response http(const std::string &url, const std::string &path,
	      const std::string &method = "GET", const std::string &body = "")
{
	Response r;
	auto colon = url.rfind(':');
	if (url.rfind("http://127.0.0.1:", 0) != 0 || colon == std::string::npos)
		return r;
	sockaddr_in sa{};
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)std::stoi(url.substr(colon + 1)));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (sockaddr *)&sa, sizeof sa)) {
		close(fd);
		return r;
	}
	std::string req = method + " " + path + " HTTP/1.0\r\nHost: localhost\r\n";
	if (!body.empty())
		req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
	req += "\r\n" + body;
	if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != (ssize_t)req.size()) {
		close(fd);
		return r;
	}
	std::string all;
	char buf[4096];
	for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
		all.append(buf, (size_t)n);
	close(fd);
	if (all.rfind("HTTP/1.", 0) != 0 || all.size() < 12)
		return r;
	r.status = std::stoi(all.substr(9, 3));
	auto end = all.find("\r\n\r\n");
	if (end != std::string::npos)
		r.body = all.substr(end + 4);
	return r;
}

// The value of the sample @p series ("name" or "name{labels}") in a
// Prometheus text page; -1 if absent.
double sample(const std::string &page, const std::string &series)
{
	std::string key = "\n" + series + " ";
	auto at = ("\n" + page).find(key);
	if (at == std::string::npos)
		return -1;
	return std::stod(page.substr(at + key.size() - 1));
}

double scrape(const Agent &a, const std::string &series)
{
	return sample(http(a.metrics_url(), "/metrics").body, series);
}

// A call is counted once its reply is on its way: a scrape right after the
// reply may come first. The page once @p series reads @p want (a connection
// counts its calls in order, so the earlier ones are in too), or after 2 s.
std::string settled(const std::string &url, const std::string &series, double want)
{
	std::string page;
	for (int i = 0; i < 200; ++i) {
		page = http(url, "/metrics").body;
		if (sample(page, series) == want)
			break;
		usleep(10000);
	}
	return page;
}

class Metrics : public vtest::Runtime {};

} // namespace

TEST_F(Metrics, NumbersMoveAsGuestsCall)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "--metrics", "tcp://127.0.0.1:0"});
	ASSERT_FALSE(agent.metrics_url().empty()) << agent.log();
	const std::string noop = "{op=\"noop\",plugin=\"noop\"}";
	const std::string exec = "{op=\"exec\",plugin=\"exec\"}";
	EXPECT_EQ(scrape(agent, "vaccel_agent_calls_total" + noop), -1);
	EXPECT_EQ(scrape(agent, "vaccel_agent_sessions"), 0);

	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	for (int i = 0; i < 5; ++i)
		ASSERT_EQ(vaccel_noop(&s), VACCEL_OK);
	// exec without an --exec-dir: refused, counted as exec's error.
	int32_t in = 1, out = 0;
	vaccel_arg r{&in, 4, VACCEL_ARG_INT32, 0, false};
	vaccel_arg w{&out, 4, VACCEL_ARG_INT32, 0, false};
	EXPECT_EQ(vaccel_exec(&s, "/lib/libc.so.6", "abs", &r, 1, &w, 1), VACCEL_EPERM);

	std::string page = settled(agent.metrics_url(), "vaccel_agent_calls_total" + exec, 1);
	EXPECT_EQ(sample(page, "vaccel_agent_calls_total" + noop), 5) << page;
	EXPECT_EQ(sample(page, "vaccel_agent_call_errors_total" + noop), 0);
	EXPECT_EQ(sample(page, "vaccel_agent_calls_total" + exec), 1);
	EXPECT_EQ(sample(page, "vaccel_agent_call_errors_total" + exec), 1);
	// The histogram: cumulative buckets ending at the count, a sum that
	// is positive and below a second for five noops.
	const std::string h = "vaccel_agent_call_duration_seconds";
	const std::string l = "op=\"noop\",plugin=\"noop\"";
	EXPECT_EQ(sample(page, h + "_count{" + l + "}"), 5);
	EXPECT_EQ(sample(page, h + "_bucket{" + l + ",le=\"+Inf\"}"), 5);
	// The sum agrees with the buckets: each call is at most the bound of
	// the first bucket that holds every call, whatever the machine's speed.
	double prev = 0, bound = -1;
	for (const char *le : {"5e-06", "1e-05", "2.5e-05", "5e-05", "0.0001", "0.00025",
			       "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
			       "0.1", "0.25", "0.5", "1", "2.5", "5", "10"}) {
		double v = sample(page, h + "_bucket{" + l + ",le=\"" + le + "\"}");
		EXPECT_GE(v, prev) << le;
		if (v == 5 && bound < 0)
			bound = std::stod(le);
		prev = v;
	}
	double sum = sample(page, h + "_sum{" + l + "}");
	EXPECT_GT(sum, 0);
	ASSERT_GT(bound, 0) << "no bucket holds all five calls:\n" << page;
	EXPECT_LE(sum, 5 * bound + 1e-9);
	// One session, one unix connection open now; its requests counted.
	EXPECT_EQ(sample(page, "vaccel_agent_sessions"), 1);
	EXPECT_EQ(sample(page, "vaccel_agent_connections{transport=\"unix\"}"), 1);
	EXPECT_EQ(sample(page, "vaccel_agent_connections{transport=\"tcp\"}"), 0);
	EXPECT_EQ(sample(page, "vaccel_agent_requests_total{message=\"op\"}"), 6);
	EXPECT_EQ(sample(page, "vaccel_agent_requests_total{message=\"session_init\"}"), 1);
	double in_bytes = sample(page, "vaccel_agent_received_bytes_total{transport=\"unix\"}");
	double out_bytes = sample(page, "vaccel_agent_sent_bytes_total{transport=\"unix\"}");
	// At least a header of 24 bytes per request and per reply.
	EXPECT_GE(in_bytes, 8 * 24);
	EXPECT_GE(out_bytes, 8 * 24);
	EXPECT_GT(sample(page, "vaccel_agent_memory_used_bytes"), 0);
	EXPECT_GT(sample(page, "vaccel_agent_memory_budget_bytes"), 0);

	ASSERT_EQ(vaccel_noop(&s), VACCEL_OK);
	page = settled(agent.metrics_url(), "vaccel_agent_calls_total" + noop, 6);
	EXPECT_EQ(sample(page, "vaccel_agent_calls_total" + noop), 6);
	EXPECT_GT(sample(page, "vaccel_agent_received_bytes_total{transport=\"unix\"}"),
		  in_bytes);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(scrape(agent, "vaccel_agent_sessions"), 0);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// What a connection counted stays counted once it closes, and a connection
// that calls more kinds of operation than it keeps counters for loses none.
TEST_F(Metrics, CountsOutliveConnectionsAndSpanManyOperations)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "--metrics", "tcp://127.0.0.1:0"});
	const std::vector<std::pair<uint32_t, std::string>> ops{
		{VACCEL_OP_NOOP, "noop"},	    {VACCEL_OP_IMAGE_CLASSIFY, "image_classify"},
		{VACCEL_OP_IMAGE_DETECT, "image_detect"}, {VACCEL_OP_IMAGE_SEGMENT, "image_segment"},
		{VACCEL_OP_IMAGE_POSE, "image_pose"},	    {VACCEL_OP_IMAGE_DEPTH, "image_depth"},
		{VACCEL_OP_MINMAX, "minmax"}};
	for (int round = 0; round < 2; ++round) {
		vtest::Raw r(agent.addr(0));
		int64_t sid = r.open_session();
		ASSERT_GT(sid, 0);
		for (auto &[op, name] : ops)
			EXPECT_GE(r.call(vaccel::rpc::Msg::op, vtest::Raw::op_body(sid, op, {}, {})), 0)
				<< name;
		// Live: counted while the connection is open.
		std::string page = settled(agent.metrics_url(),
					   "vaccel_agent_calls_total{op=\"minmax\",plugin=\"noop\"}",
					   round + 1);
		for (auto &[op, name] : ops)
			EXPECT_EQ(sample(page, "vaccel_agent_calls_total{op=\"" + name +
						       "\",plugin=\"noop\"}"),
				  round + 1)
				<< name << "\n" << page;
	}
	// Both connections closed (the agent notices within its 100 ms tick).
	std::string page;
	for (int i = 0; i < 50; ++i) {
		page = http(agent.metrics_url(), "/metrics").body;
		if (sample(page, "vaccel_agent_connections{transport=\"unix\"}") == 0)
			break;
		usleep(100000);
	}
	EXPECT_EQ(sample(page, "vaccel_agent_connections{transport=\"unix\"}"), 0);
	EXPECT_EQ(sample(page, "vaccel_agent_connections_accepted_total{transport=\"unix\"}"), 2);
	for (auto &[op, name] : ops)
		EXPECT_EQ(sample(page, "vaccel_agent_calls_total{op=\"" + name +
					       "\",plugin=\"noop\"}"),
			  2)
			<< name;
	EXPECT_EQ(sample(page, "vaccel_agent_requests_total{message=\"op\"}"), 2.0 * ops.size());
	EXPECT_EQ(sample(page, "vaccel_agent_requests_total{message=\"hello\"}"), 2);
	EXPECT_EQ(sample(page, "vaccel_agent_sessions"), 0);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// A connection over a limit is counted by the limit that refused it.
TEST_F(Metrics, RefusalsByLimit)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "--metrics", "tcp://127.0.0.1:0",
				   "--max-connections-per-peer", "1"});
	vtest::Raw first(agent.addr(0));
	ASSERT_GT(first.open_session(), 0);
	vtest::Raw second(agent.addr(0));
	EXPECT_TRUE(second.closed_by_agent());
	std::string page = settled(agent.metrics_url(),
				   "vaccel_agent_refusals_total{reason=\"peer_connections\"}", 1);
	EXPECT_EQ(sample(page, "vaccel_agent_refusals_total{reason=\"peer_connections\"}"), 1)
		<< page;
	EXPECT_EQ(sample(page, "vaccel_agent_refusals_total{reason=\"agent_connections\"}"), 0);
	EXPECT_EQ(sample(page, "vaccel_agent_connections{transport=\"unix\"}"), 1);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// A resource's content is looked up by hash before it is sent: the second
// registration of the same bytes is a cache hit, and the cache holds them.
TEST_F(Metrics, CacheHitsAndBytes)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "--metrics", "tcp://127.0.0.1:0"});
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	std::vector<uint8_t> bytes(64 << 10, 7);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	for (int round = 0; round < 2; ++round) {
		vaccel_resource res{};
		ASSERT_EQ(vaccel_resource_init_from_buf(&res, bytes.data(), bytes.size(),
							VACCEL_RESOURCE_DATA, "blob.bin",
							false),
			  VACCEL_OK);
		ASSERT_EQ(vaccel_resource_register(&res, &s), VACCEL_OK);
		ASSERT_EQ(vaccel_resource_unregister(&res, &s), VACCEL_OK);
		ASSERT_EQ(vaccel_resource_release(&res), VACCEL_OK);
	}
	std::string page = http(agent.metrics_url(), "/metrics").body;
	EXPECT_EQ(sample(page, "vaccel_agent_cache_lookups_total{result=\"miss\"}"), 1) << page;
	EXPECT_EQ(sample(page, "vaccel_agent_cache_lookups_total{result=\"hit\"}"), 1);
	EXPECT_EQ(sample(page, "vaccel_agent_cache_entries"), 1);
	EXPECT_EQ(sample(page, "vaccel_agent_cache_bytes"), (double)bytes.size());
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

TEST_F(Metrics, HealthAndOnlyWhatIsServed)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "--metrics", "tcp://127.0.0.1:0"});
	auto url = agent.metrics_url();
	auto r = http(url, "/health/live");
	EXPECT_EQ(r.status, 200);
	r = http(url, "/health/ready");
	EXPECT_EQ(r.status, 200);
	EXPECT_EQ(r.body, "ready\n");
	EXPECT_EQ(http(url, "/nothing").status, 404);
	EXPECT_EQ(http(url, "/metrics", "POST", "x=1").status, 405);
	EXPECT_EQ(http(url, "/metrics", "DELETE").status, 405);
	// Each plugin that was asked for and its state.
	std::string page = http(url, "/metrics").body;
	EXPECT_EQ(sample(page, "vaccel_agent_plugin_loaded{plugin=\"" + plugin("noop") +
				       "\",state=\"loaded\"}"),
		  1);
	EXPECT_EQ(sample(page, "vaccel_agent_ready"), 1);
	EXPECT_NE(page.find("# TYPE vaccel_agent_call_duration_seconds histogram\n"),
		  std::string::npos);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// A plugin that was asked for and did not load: the agent serves what it
// has but is not ready, and says which plugin and why.
TEST_F(Metrics, NotReadyWhileAPluginIsMissing)
{
	const std::string missing = "/nonexistent/libvaccel-missing.so";
	Agent agent(plugin("noop") + ":" + missing,
		    {"-a", "@unix", "--metrics", "tcp://127.0.0.1:0"});
	ASSERT_FALSE(agent.metrics_url().empty()) << agent.log();
	auto r = http(agent.metrics_url(), "/health/ready");
	EXPECT_EQ(r.status, 503);
	EXPECT_NE(r.body.find(missing), std::string::npos) << r.body;
	EXPECT_EQ(http(agent.metrics_url(), "/health/live").status, 200);
	std::string page = http(agent.metrics_url(), "/metrics").body;
	EXPECT_EQ(sample(page, "vaccel_agent_plugin_loaded{plugin=\"" + missing +
				       "\",state=\"failed\"}"),
		  0);
	EXPECT_EQ(sample(page, "vaccel_agent_ready"), 0);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// A plugin that finds no device (a GPU plugin on a host without one) is
// skipped as designed: the agent is ready with the others.
TEST_F(Metrics, ReadyWithoutAPluginThatFoundNoDevice)
{
	Agent agent(plugin("noop") + ":" + vtest::lib("vaccel-test-no_device"),
		    {"-a", "@unix", "--metrics", "tcp://127.0.0.1:0"});
	ASSERT_FALSE(agent.metrics_url().empty()) << agent.log();
	auto r = http(agent.metrics_url(), "/health/ready");
	EXPECT_EQ(r.status, 200) << r.body;
	std::string page = http(agent.metrics_url(), "/metrics").body;
	EXPECT_EQ(sample(page, "vaccel_agent_plugin_loaded{plugin=\"" +
				       vtest::lib("vaccel-test-no_device") +
				       "\",state=\"no_device\"}"),
		  0)
		<< page;
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// Metrics tell about the guests: beyond this host only when asked.
TEST_F(Metrics, LoopbackUnlessPublic)
{
	Agent refused(kHostPlugins, {"-a", "@unix", "--metrics", "tcp://0.0.0.0:0"});
	EXPECT_EQ(refused.stop(), 2);
	EXPECT_NE(refused.log().find("--metrics-public"), std::string::npos)
		<< refused.log();
	Agent bad(kHostPlugins, {"-a", "@unix", "--metrics", "unix:///tmp/x.sock"});
	EXPECT_EQ(bad.stop(), 2);
	EXPECT_NE(bad.log().find("tcp://host:port"), std::string::npos) << bad.log();

	Agent open(kHostPlugins, {"-a", "@unix", "--metrics", "tcp://0.0.0.0:0",
				  "--metrics-public"});
	ASSERT_FALSE(open.metrics_url().empty()) << open.log();
	// Reached on loopback too, since it listens on every address.
	auto url = "http://127.0.0.1:" +
		   open.metrics_url().substr(open.metrics_url().rfind(':') + 1);
	EXPECT_EQ(http(url, "/health/live").status, 200);
	EXPECT_EQ(open.stop(), 0) << open.log();
}

namespace {

// Starts the agent as systemd would for a socket unit: @p fd as descriptor
// 3, LISTEN_FDS=1, LISTEN_PID its own pid (set in the child, which execve
// keeps), and @p env.
pid_t start_activated(int fd, std::vector<std::string> env)
{
	static std::string prog = std::string(VACCEL_TEST_BIN_DIR) + "/vaccel-agent";
	env.push_back("VACCEL_PLUGINS=" + kHostPlugins);
	env.push_back("VACCEL_LOG_LEVEL=1");
	env.push_back("LISTEN_FDS=1");
	for (char **e = environ; *e; ++e)
		if (strncmp(*e, "ASAN_", 5) == 0 || strncmp(*e, "UBSAN_", 6) == 0 ||
		    strncmp(*e, "LSAN_", 5) == 0)
			env.push_back(*e);
	std::vector<char *> envp;
	for (auto &e : env)
		envp.push_back(e.data());
	char pid_var[32] = "LISTEN_PID=";
	envp.push_back(pid_var);
	envp.push_back(nullptr);
	char *argv[] = {prog.data(), nullptr};
	pid_t pid = fork();
	if (pid == 0) {
		// dup2 onto itself would keep close-on-exec.
		if (fd == 3 ? fcntl(3, F_SETFD, 0) != 0 : dup2(fd, 3) != 3)
			_exit(127);
		char digits[16];
		int n = 0;
		for (pid_t p = getpid(); p; p /= 10)
			digits[n++] = (char)('0' + p % 10);
		char *o = pid_var + strlen(pid_var);
		while (n)
			*o++ = digits[--n];
		*o = 0;
		execve(prog.c_str(), argv, envp.data());
		_exit(127);
	}
	return pid;
}

int bind_unix(int type, const std::string &path)
{
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	sockaddr_un sa{};
	sa.sun_family = AF_UNIX;
	strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
	if (fd < 0 || bind(fd, (sockaddr *)&sa, sizeof sa)) {
		close(fd);
		return -1;
	}
	return fd;
}

int wait_status(pid_t pid)
{
	int st = 0;
	if (waitpid(pid, &st, 0) != pid)
		return -1000;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

} // namespace

// systemd's socket activation and readiness: the agent serves on the socket
// it is given as descriptor 3, tells NOTIFY_SOCKET when it is ready and
// when it stops, and leaves the socket file (systemd's) in place.
TEST_F(Metrics, StartedBySystemd)
{
	char tmpl[] = "/tmp/vaccel-systemd-test.XXXXXX";
	std::string dir = mkdtemp(tmpl);
	std::string sock = dir + "/agent.sock", notify = dir + "/notify";
	int lfd = bind_unix(SOCK_STREAM, sock);
	ASSERT_GE(lfd, 0);
	ASSERT_EQ(listen(lfd, 16), 0);
	int nfd = bind_unix(SOCK_DGRAM, notify);
	ASSERT_GE(nfd, 0);
	pid_t pid = start_activated(lfd, {"NOTIFY_SOCKET=" + notify});
	ASSERT_GT(pid, 0);
	close(lfd);
	auto message = [&](int ms) {
		pollfd p{nfd, POLLIN, 0};
		char buf[256];
		if (poll(&p, 1, ms) != 1)
			return std::string();
		ssize_t n = recv(nfd, buf, sizeof buf, 0);
		return n > 0 ? std::string(buf, (size_t)n) : std::string();
	};
	EXPECT_EQ(message(10000), "READY=1");

	ASSERT_EQ(boot_remote("unix://" + sock), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_noop(&s), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);

	kill(pid, SIGTERM);
	EXPECT_EQ(message(10000), "STOPPING=1");
	EXPECT_EQ(wait_status(pid), 0);
	struct stat sb {};
	EXPECT_EQ(lstat(sock.c_str(), &sb), 0) << "the agent removed systemd's socket";
	close(nfd);
	unlink(sock.c_str());
	unlink(notify.c_str());
	rmdir(dir.c_str());
}

// What systemd passes must be a listening stream socket; descriptors meant
// for another process (LISTEN_PID) are not the agent's.
TEST_F(Metrics, SystemdDescriptorsAreChecked)
{
	int sv[2];
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = start_activated(sv[0], {});
	ASSERT_GT(pid, 0);
	EXPECT_EQ(wait_status(pid), 2);
	close(sv[0]);
	close(sv[1]);

	Agent other(kHostPlugins, {}, {"LISTEN_FDS=1", "LISTEN_PID=1"});
	EXPECT_EQ(other.stop(), 2);
	EXPECT_NE(other.log().find("no address to listen on"), std::string::npos)
		<< other.log();
}
