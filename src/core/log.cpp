// SPDX-License-Identifier: Apache-2.0
#include "runtime.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

extern "C" {
int vaccel_log_level_current_ = VACCEL_LOG_ERROR;
}

namespace {

std::mutex log_lock;
FILE *log_file = nullptr; // nullptr: stderr

// This thread's error lines since the last clear, the latest kErrorText
// bytes of them: what a failed call said, for vaccel::Error and for the
// agent to send to the guest whose call it was.
constexpr size_t kErrorText = 1024;
thread_local char error_text[kErrorText];
thread_local size_t error_len;

void remember_error(const char *msg, size_t n)
{
	const char sep[] = "; ";
	size_t need = n + (error_len ? sizeof sep - 1 : 0);
	if (n >= kErrorText) { // alone too long: its start
		memcpy(error_text, msg, kErrorText - 1);
		error_len = kErrorText - 1;
	} else {
		// Drop the oldest whole lines until the new one fits.
		while (error_len && error_len + need >= kErrorText) {
			size_t cut = error_len;
			for (size_t i = 0; i + 1 < error_len; ++i)
				if (error_text[i] == ';' && error_text[i + 1] == ' ') {
					cut = i + 2;
					break;
				}
			memmove(error_text, error_text + cut, error_len - cut + 1);
			error_len -= cut;
			need = n + (error_len ? sizeof sep - 1 : 0);
		}
		if (error_len) {
			memcpy(error_text + error_len, sep, 2);
			error_len += 2;
		}
		memcpy(error_text + error_len, msg, n);
		error_len += n;
	}
	error_text[error_len] = '\0';
}

const char *level_tag(vaccel_log_level_t level)
{
	switch (level) {
	case VACCEL_LOG_ERROR:
		return "ERROR";
	case VACCEL_LOG_WARN:
		return "WARN";
	case VACCEL_LOG_INFO:
		return "INFO";
	default:
		return "DEBUG";
	}
}

} // namespace

extern "C" void vaccel_log_print(vaccel_log_level_t level, const char *fmt, ...)
{
	// Format into a local line first so that concurrent writers never
	// interleave within a line.
	char line[1024];
	timespec ts{};
	clock_gettime(CLOCK_REALTIME, &ts);
	tm t{};
	localtime_r(&ts.tv_sec, &t);
	int n = snprintf(line, sizeof(line),
			 "%04d.%02d.%02d-%02d:%02d:%02d.%02ld - <%s> ",
			 t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
			 t.tm_min, t.tm_sec, ts.tv_nsec / 10000000,
			 level_tag(level));
	if (n < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	size_t len = std::strlen(line);
	if (level == VACCEL_LOG_ERROR)
		remember_error(line + n, len - (size_t)n);
	line[len++] = '\n';
	std::lock_guard lk(log_lock);
	FILE *out = log_file ? log_file : stderr;
	fwrite(line, 1, len, out);
	fflush(out);
}

namespace vaccel::core {
void restore_error_text(const char *text) noexcept
{
	vaccel_error_clear();
	if (text && *text)
		remember_error(text, strlen(text));
}
} // namespace vaccel::core

extern "C" const char *vaccel_error_message(void)
{
	return error_text;
}

extern "C" void vaccel_error_clear(void)
{
	error_len = 0;
	error_text[0] = '\0';
}

extern "C" int vaccel_log_set_level(vaccel_log_level_t level)
{
	if (level < VACCEL_LOG_ERROR || level > VACCEL_LOG_DEBUG)
		return VACCEL_EINVAL;
	vaccel_log_level_current_ = level;
	return VACCEL_OK;
}

extern "C" int vaccel_log_init(void)
{
	const struct vaccel_config *cfg = vaccel::core::Runtime::get().config();
	vaccel_log_level_current_ = cfg->log_level;
	std::lock_guard lk(log_lock);
	if (log_file) {
		fclose(log_file);
		log_file = nullptr;
	}
	if (cfg->log_file && *cfg->log_file) {
		log_file = fopen(cfg->log_file, "ae");
		if (!log_file) {
			int err = errno;
			fprintf(stderr, "vaccel: cannot open log file %s: %s\n",
				cfg->log_file, strerror(err));
			return err;
		}
	}
	return VACCEL_OK;
}

extern "C" int vaccel_log_shutdown(void)
{
	std::lock_guard lk(log_lock);
	if (log_file) {
		fclose(log_file);
		log_file = nullptr;
	}
	return VACCEL_OK;
}
