// SPDX-License-Identifier: Apache-2.0
// vaccel: inspect the runtime as configured by the environment.
//   vaccel info       every plugin named in VACCEL_PLUGINS with what became
//                     of it, those installed beside libvaccel, and who
//                     serves what
//   vaccel --version
#include <vaccel.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>
#include <string>
#include <vector>

namespace {

std::string type_names(uint32_t type)
{
	std::string s;
	for (uint32_t bit = 1; bit < VACCEL_PLUGIN_ALL; bit <<= 1) {
		if (!(type & bit))
			continue;
		const char *n = vaccel_plugin_type_to_base_str(
			static_cast<vaccel_plugin_type_t>(bit));
		if (std::strcmp(n, "MAX") == 0)
			continue;
		if (!s.empty())
			s += '|';
		s += n;
	}
	return s.empty() ? "-" : s;
}

int usage(FILE *out)
{
	std::fprintf(out,
		     "usage: vaccel info [--hint HEX]\n"
		     "       vaccel --version | --help\n\n"
		     "info   list every plugin named in VACCEL_PLUGINS with its\n"
		     "       state (loaded: name, version, type; skipped: no\n"
		     "       device; failed: why), the plugins installed beside\n"
		     "       libvaccel, and the plugin that serves each operation\n"
		     "       for a session with the given hint\n");
	return out == stdout ? 0 : 2;
}

// Plugin files beside libvaccel (the build's or the install's lib
// directory), by name: libvaccel-<name>.so.
std::vector<std::string> installed(std::string &dir)
{
	std::vector<std::string> names;
	Dl_info self{};
	if (!dladdr((void *)&vaccel_plugin_count, &self) || !self.dli_fname ||
	    !std::strchr(self.dli_fname, '/'))
		return names;
	dir = self.dli_fname;
	dir.erase(dir.rfind('/'));
	DIR *d = opendir(dir.c_str());
	if (!d)
		return names;
	while (dirent *e = readdir(d)) {
		std::string f = e->d_name;
		const std::string pre = "libvaccel-", suf = ".so";
		if (f.size() > pre.size() + suf.size() && f.rfind(pre, 0) == 0 &&
		    f.compare(f.size() - suf.size(), suf.size(), suf) == 0)
			names.push_back(f.substr(pre.size(),
						 f.size() - pre.size() - suf.size()));
	}
	closedir(d);
	std::sort(names.begin(), names.end());
	return names;
}

int info(uint32_t hint)
{
	const struct vaccel_config *cfg = vaccel_config();
	bool named = cfg->plugins && *cfg->plugins;
	std::printf("vAccel %s\n", VACCEL_VERSION);
	std::printf("VACCEL_PLUGINS: %s\n", named ? cfg->plugins : "(unset)");

	size_t tried = vaccel_plugin_attempt_count(), loaded = 0;
	std::printf("\nplugins named (%zu, in selection order):\n", tried);
	std::vector<std::string> loaded_names;
	for (size_t i = 0; i < tried; ++i) {
		char spec[512], why[1024];
		int code = 0;
		if (vaccel_plugin_attempt(i, spec, sizeof spec, &code, why,
					  sizeof why))
			continue;
		if (code == VACCEL_OK) {
			const char *name, *version;
			uint32_t type;
			if (vaccel_plugin_info(loaded++, &name, &version, &type))
				continue;
			loaded_names.push_back(name);
			std::printf("  %-10s loaded   %-8s %s\n", name, version,
				    type_names(type).c_str());
		} else if (code == VACCEL_ENODEV) {
			std::printf("  %-10s skipped: no device (the next plugin "
				    "serves its operations)\n", spec);
		} else {
			std::printf("  %-10s failed (%s): %s\n", spec,
				    std::strerror(code),
				    *why ? why : "no reason logged");
		}
	}
	if (!named)
		std::printf("  none: VACCEL_PLUGINS is unset, so no plugin is "
			    "loaded and every operation fails with ENOTSUP\n"
			    "  (name some, e.g. VACCEL_PLUGINS=noop)\n");
	else if (!loaded)
		std::printf("  none of them loaded: every operation fails with "
			    "ENOTSUP\n");

	std::string dir;
	std::vector<std::string> files = installed(dir);
	std::string others;
	for (auto &f : files)
		if (std::find(loaded_names.begin(), loaded_names.end(), f) ==
		    loaded_names.end())
			others += " " + f;
	if (!dir.empty())
		std::printf("\ninstalled in %s, not loaded:%s\n", dir.c_str(),
			    others.empty() ? " none" : others.c_str());

	std::printf("\noperations (session hint 0x%x):\n", hint);
	for (int op = 0; op < VACCEL_OP_MAX; ++op) {
		const char *p = vaccel_plugin_for_op(
			static_cast<vaccel_op_type_t>(op), hint);
		char lower[VACCEL_ENUM_STR_MAX];
		std::printf("  %-22s %s\n",
			    vaccel_op_type_to_lower(
				    static_cast<vaccel_op_type_t>(op), lower,
				    sizeof(lower)),
			    p ? p : "-");
	}
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	std::string cmd = argv[1];
	if (cmd == "--version" || cmd == "-V") {
		std::printf("vaccel %s\n", VACCEL_VERSION);
		return 0;
	}
	if (cmd == "--help" || cmd == "-h")
		return usage(stdout);
	if (cmd == "info") {
		uint32_t hint = 0;
		if (argc == 4 && std::strcmp(argv[2], "--hint") == 0) {
			char *end = nullptr;
			hint = (uint32_t)std::strtoul(argv[3], &end, 16);
			if (*end)
				return usage(stderr);
		} else if (argc != 2) {
			return usage(stderr);
		}
		return info(hint);
	}
	std::fprintf(stderr, "vaccel: unknown command '%s'\n", cmd.c_str());
	return usage(stderr);
}
