// SPDX-License-Identifier: Apache-2.0
// vaccel: inspect the runtime as configured by the environment.
//   vaccel info       plugins loaded from VACCEL_PLUGINS and who serves what
//   vaccel --version
#include <vaccel.h>

#include <cstdio>
#include <cstring>
#include <string>

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
		     "info   list the plugins loaded from VACCEL_PLUGINS (name,\n"
		     "       version, type) and the plugin that serves each\n"
		     "       operation for a session with the given hint\n");
	return out == stdout ? 0 : 2;
}

int info(uint32_t hint)
{
	const struct vaccel_config *cfg = vaccel_config();
	std::printf("vAccel %s\n", VACCEL_VERSION);
	std::printf("VACCEL_PLUGINS: %s\n",
		    cfg->plugins && *cfg->plugins ? cfg->plugins : "(unset)");
	size_t n = vaccel_plugin_count();
	std::printf("\nplugins (%zu, in selection order):\n", n);
	for (size_t i = 0; i < n; ++i) {
		const char *name, *version;
		uint32_t type;
		if (vaccel_plugin_info(i, &name, &version, &type) == VACCEL_OK)
			std::printf("  %-10s %-10s %s\n", name, version,
				    type_names(type).c_str());
	}
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
