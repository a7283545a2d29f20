// SPDX-License-Identifier: Apache-2.0
// opencl: the four fpga operations (vadd, arraycopy, mmult, parallel) as
// OpenCL kernels (kernels.cl), on any device an installed OpenCL driver
// offers through the ICD loader: PoCL on the CPU, a GPU, or an FPGA board.
//
// Configuration, read by init() each time the plugin is loaded:
//   VACCEL_OPENCL_PLATFORM  platform index or case-insensitive name substring
//   VACCEL_OPENCL_DEVICE    device index (within its platform) or name
//                           substring; default: the first device found
//   VACCEL_OPENCL_BINARY    program binary to load instead of compiling the
//                           embedded kernel source (devices that compile
//                           nothing at run time, FPGAs, need one)
// A DATA resource whose one file is named *.clbin, *.xclbin or *.aocx is a
// program binary too: registered with a session, it serves that session's
// operations, the way a bitstream arrives with the job that uses it.
//
// init() builds the context, queue and program once; an operation then only
// creates its buffers and enqueues. No platform or no matching device:
// VACCEL_ENODEV, and the next plugin serves these operations.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <vaccel.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace {

const char kSource[] =
#include "kernels.cl.inc"
	;

enum KernelId { VADD, ARRAYCOPY, MMULT, PARALLEL, NR_KERNELS };
constexpr const char *kKernelNames[NR_KERNELS] = {"vadd", "arraycopy",
						  "mmult", "parallel"};

const char *cl_err_name(cl_int e)
{
	switch (e) {
#define NAME_(x) \
	case x:  \
		return #x;
		NAME_(CL_DEVICE_NOT_FOUND)
		NAME_(CL_DEVICE_NOT_AVAILABLE)
		NAME_(CL_COMPILER_NOT_AVAILABLE)
		NAME_(CL_MEM_OBJECT_ALLOCATION_FAILURE)
		NAME_(CL_OUT_OF_RESOURCES)
		NAME_(CL_OUT_OF_HOST_MEMORY)
		NAME_(CL_BUILD_PROGRAM_FAILURE)
		NAME_(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
		NAME_(CL_INVALID_VALUE)
		NAME_(CL_INVALID_PLATFORM)
		NAME_(CL_INVALID_DEVICE)
		NAME_(CL_INVALID_CONTEXT)
		NAME_(CL_INVALID_COMMAND_QUEUE)
		NAME_(CL_INVALID_HOST_PTR)
		NAME_(CL_INVALID_MEM_OBJECT)
		NAME_(CL_INVALID_BINARY)
		NAME_(CL_INVALID_BUILD_OPTIONS)
		NAME_(CL_INVALID_PROGRAM)
		NAME_(CL_INVALID_PROGRAM_EXECUTABLE)
		NAME_(CL_INVALID_KERNEL_NAME)
		NAME_(CL_INVALID_KERNEL)
		NAME_(CL_INVALID_ARG_INDEX)
		NAME_(CL_INVALID_ARG_VALUE)
		NAME_(CL_INVALID_ARG_SIZE)
		NAME_(CL_INVALID_KERNEL_ARGS)
		NAME_(CL_INVALID_WORK_DIMENSION)
		NAME_(CL_INVALID_WORK_GROUP_SIZE)
		NAME_(CL_INVALID_GLOBAL_WORK_SIZE)
		NAME_(CL_INVALID_BUFFER_SIZE)
#undef NAME_
	case -1001: // CL_PLATFORM_NOT_FOUND_KHR, from the ICD loader
		return "CL_PLATFORM_NOT_FOUND_KHR";
	default:
		return "OpenCL error";
	}
}

// Running out of memory, host or device, is ENOMEM; anything else the
// driver reports is an I/O error of the device.
int to_vaccel(cl_int e)
{
	switch (e) {
	case CL_OUT_OF_HOST_MEMORY:
	case CL_OUT_OF_RESOURCES:
	case CL_MEM_OBJECT_ALLOCATION_FAILURE:
	case CL_INVALID_BUFFER_SIZE:
		return VACCEL_ENOMEM;
	default:
		return VACCEL_EIO;
	}
}

int cl_fail(const char *what, cl_int e)
{
	vaccel_error("[opencl] %s: %s (%d)", what, cl_err_name(e), (int)e);
	return to_vaccel(e);
}

// A built program and its kernels. clSetKernelArg is the one OpenCL call
// that is not thread-safe on a shared kernel, so each kernel has a lock,
// held from the first argument until the enqueue has captured them all.
struct Program {
	cl_program prog = nullptr;
	cl_kernel kernels[NR_KERNELS] = {};
	std::mutex locks[NR_KERNELS];
	~Program()
	{
		for (cl_kernel k : kernels)
			if (k)
				clReleaseKernel(k);
		if (prog)
			clReleaseProgram(prog);
	}
};

struct State {
	cl_device_id device = nullptr;
	cl_context ctx = nullptr;
	cl_command_queue queue = nullptr;
	std::shared_ptr<Program> deflt;
	// Programs that sessions brought as resources: per session, in
	// registration order (the last one serves); and per resource, so a
	// binary registered with several sessions is built once.
	std::mutex lock;
	std::map<vaccel_id_t,
		 std::vector<std::pair<vaccel_id_t, std::shared_ptr<Program>>>>
		by_session;
	std::map<vaccel_id_t, std::weak_ptr<Program>> by_resource;
	// Entries in by_session: while 0, operations skip the lock.
	std::atomic<size_t> nr_session_programs{0};
	~State()
	{
		by_session.clear();
		deflt.reset();
		if (queue) {
			clFinish(queue);
			clReleaseCommandQueue(queue);
		}
		if (ctx)
			clReleaseContext(ctx);
	}
};
// Created by init(), destroyed by fini(); no static destructor to race
// with the runtime calling fini() at exit.
State *state;

constexpr uint32_t kAnyType =
	VACCEL_PLUGIN_FPGA | VACCEL_PLUGIN_GPU | VACCEL_PLUGIN_CPU;

struct vaccel_plugin_desc &descriptor();

// ---- device selection -----------------------------------------------------

bool is_index(const char *s)
{
	if (!*s)
		return false;
	for (; *s; ++s)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

bool contains_nocase(const std::string &hay, const char *needle)
{
	auto it = std::search(hay.begin(), hay.end(), needle,
			      needle + strlen(needle), [](char a, char b) {
				      return tolower((unsigned char)a) ==
					     tolower((unsigned char)b);
			      });
	return it != hay.end();
}

// Does the @p idx-th object named @p name match the selector @p sel (NULL
// or empty: anything)?
bool selected(const char *sel, size_t idx, const std::string &name)
{
	if (!sel || !*sel)
		return true;
	if (is_index(sel))
		return strtoull(sel, nullptr, 10) == idx;
	return contains_nocase(name, sel);
}

std::string platform_name(cl_platform_id p)
{
	char buf[256] = {};
	clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof buf - 1, buf, nullptr);
	return buf;
}

std::string device_name(cl_device_id d)
{
	char buf[256] = {};
	clGetDeviceInfo(d, CL_DEVICE_NAME, sizeof buf - 1, buf, nullptr);
	return buf;
}

// The device the environment asks for; VACCEL_ENODEV if there is none.
int pick_device(cl_platform_id *platform, cl_device_id *device)
{
	const char *psel = getenv("VACCEL_OPENCL_PLATFORM");
	const char *dsel = getenv("VACCEL_OPENCL_DEVICE");
	cl_uint np = 0;
	cl_int err = clGetPlatformIDs(0, nullptr, &np);
	if (err != CL_SUCCESS || np == 0) {
		// The usual state of a machine without an OpenCL driver:
		// not an error, the runtime reports that it skipped us.
		vaccel_info("[opencl] no OpenCL platform (%s)",
			    err != CL_SUCCESS ? cl_err_name(err)
					      : "none installed");
		return VACCEL_ENODEV;
	}
	std::vector<cl_platform_id> platforms(np);
	err = clGetPlatformIDs(np, platforms.data(), nullptr);
	if (err != CL_SUCCESS)
		return cl_fail("listing platforms", err);
	for (size_t pi = 0; pi < platforms.size(); ++pi) {
		if (!selected(psel, pi, platform_name(platforms[pi])))
			continue;
		cl_uint nd = 0;
		if (clGetDeviceIDs(platforms[pi], CL_DEVICE_TYPE_ALL, 0,
				   nullptr, &nd) != CL_SUCCESS ||
		    nd == 0)
			continue;
		std::vector<cl_device_id> devices(nd);
		if (clGetDeviceIDs(platforms[pi], CL_DEVICE_TYPE_ALL, nd,
				   devices.data(), nullptr) != CL_SUCCESS)
			continue;
		for (size_t di = 0; di < devices.size(); ++di)
			if (selected(dsel, di, device_name(devices[di]))) {
				*platform = platforms[pi];
				*device = devices[di];
				return VACCEL_OK;
			}
	}
	// A selector that matches nothing is a configuration mistake worth
	// an error line, though to the runtime it is still "no device".
	vaccel_error("[opencl] no OpenCL device matches "
		     "VACCEL_OPENCL_PLATFORM=%s VACCEL_OPENCL_DEVICE=%s",
		     psel ? psel : "(unset)", dsel ? dsel : "(unset)");
	return VACCEL_ENODEV;
}

// ---- programs -------------------------------------------------------------

// Build @p p (created from source or binary) for the device and create its
// kernels. @p origin names it in messages.
int finish_program(Program &p, const std::string &origin)
{
	cl_int err = clBuildProgram(p.prog, 1, &state->device, "", nullptr,
				    nullptr);
	if (err != CL_SUCCESS) {
		size_t len = 0;
		clGetProgramBuildInfo(p.prog, state->device,
				      CL_PROGRAM_BUILD_LOG, 0, nullptr, &len);
		std::string log(len, '\0');
		clGetProgramBuildInfo(p.prog, state->device,
				      CL_PROGRAM_BUILD_LOG, len, log.data(),
				      nullptr);
		log.resize(strnlen(log.c_str(), log.size()));
		vaccel_debug("[opencl] build log of %s:\n%s", origin.c_str(),
			     log.c_str());
		std::string first = log.substr(0, log.find('\n'));
		vaccel_error("[opencl] building %s: %s (%d)%s%s",
			     origin.c_str(), cl_err_name(err), (int)err,
			     first.empty() ? "" : ": ", first.c_str());
		return VACCEL_ELIBBAD;
	}
	for (int i = 0; i < NR_KERNELS; ++i) {
		p.kernels[i] = clCreateKernel(p.prog, kKernelNames[i], &err);
		if (err != CL_SUCCESS) {
			vaccel_error("[opencl] %s has no usable kernel '%s': "
				     "%s (%d)",
				     origin.c_str(), kKernelNames[i],
				     cl_err_name(err), (int)err);
			return VACCEL_ELIBBAD;
		}
	}
	return VACCEL_OK;
}

int program_from_source(std::shared_ptr<Program> &out)
{
	auto p = std::make_shared<Program>();
	const char *src = kSource;
	cl_int err;
	p->prog = clCreateProgramWithSource(state->ctx, 1, &src, nullptr, &err);
	if (err != CL_SUCCESS)
		return cl_fail("creating the program from source", err);
	if (int ret = finish_program(*p, "the kernel source"))
		return ret;
	out = std::move(p);
	return VACCEL_OK;
}

int program_from_binary(const unsigned char *bytes, size_t size,
			const std::string &origin,
			std::shared_ptr<Program> &out)
{
	if (!bytes || !size) {
		vaccel_error("[opencl] %s: empty program binary",
			     origin.c_str());
		return VACCEL_ELIBBAD;
	}
	auto p = std::make_shared<Program>();
	cl_int status = CL_SUCCESS, err;
	p->prog = clCreateProgramWithBinary(state->ctx, 1, &state->device,
					    &size, &bytes, &status, &err);
	if (err != CL_SUCCESS || status != CL_SUCCESS) {
		cl_int e = err != CL_SUCCESS ? err : status;
		vaccel_error("[opencl] %s: not a program binary for this "
			     "device: %s (%d)",
			     origin.c_str(), cl_err_name(e), (int)e);
		return VACCEL_ELIBBAD;
	}
	if (int ret = finish_program(*p, origin))
		return ret;
	out = std::move(p);
	return VACCEL_OK;
}

int program_from_file(const char *path, std::shared_ptr<Program> &out)
{
	std::string origin = std::string("VACCEL_OPENCL_BINARY=") + path;
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		vaccel_error("[opencl] %s: %s", origin.c_str(), strerror(e));
		return e == ENOENT ? VACCEL_ENOENT : VACCEL_EIO;
	}
	std::vector<unsigned char> bytes;
	unsigned char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		bytes.insert(bytes.end(), buf, buf + n);
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		vaccel_error("[opencl] %s: read error", origin.c_str());
		return VACCEL_EIO;
	}
	return program_from_binary(bytes.data(), bytes.size(), origin, out);
}

bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lf = strlen(suffix);
	return ls >= lf && strcmp(s + ls - lf, suffix) == 0;
}

// A DATA resource of one file named like a program binary: .clbin (what
// clGetProgramInfo(CL_PROGRAM_BINARIES) gives), or the containers that FPGA
// toolchains produce, .xclbin (Xilinx) and .aocx (Intel).
bool is_program_resource(const vaccel_resource *res)
{
	if (res->type != VACCEL_RESOURCE_DATA || res->nr_blobs != 1 ||
	    !res->blobs || !res->blobs[0] || !res->blobs[0]->name)
		return false;
	const char *name = res->blobs[0]->name;
	return ends_with(name, ".clbin") || ends_with(name, ".xclbin") ||
	       ends_with(name, ".aocx");
}

// The program that serves @p sess: the last program resource registered
// with it, or the default.
std::shared_ptr<Program> program_for(const vaccel_session *sess)
{
	if (state->nr_session_programs.load(std::memory_order_acquire) == 0)
		return state->deflt;
	std::lock_guard lk(state->lock);
	auto it = state->by_session.find(sess->id);
	if (it == state->by_session.end() || it->second.empty())
		return state->deflt;
	return it->second.back().second;
}

// ---- running a kernel -----------------------------------------------------

struct Mem {
	cl_mem m = nullptr;
	Mem() = default;
	Mem(const Mem &) = delete;
	Mem &operator=(const Mem &) = delete;
	~Mem()
	{
		if (m)
			clReleaseMemObject(m);
	}
};

struct In {
	const void *p;
	size_t bytes;
};
struct Out {
	void *p;
	size_t bytes;
};

// Run kernel @p id of @p sess's program over @p n elements: the inputs
// copied to the device, then the outputs, then @p scalars are its
// arguments in that order; the outputs are read back before returning.
// An input of 0 bytes is bound to the first non-empty input instead (an
// empty buffer cannot be created); kernels do not read past their lengths.
int run(const char *op, vaccel_session *sess, KernelId id,
	std::initializer_list<In> ins, std::initializer_list<Out> outs,
	std::initializer_list<cl_ulong> scalars, size_t n)
{
	std::shared_ptr<Program> prog = program_for(sess);
	std::vector<Mem> in_mem(ins.size()), out_mem(outs.size());
	cl_int err = CL_SUCCESS;
	size_t i = 0;
	for (const In &in : ins) {
		if (in.bytes) {
			// COPY_HOST_PTR: the bytes are the device's now; the
			// caller's array is never read again.
			in_mem[i].m = clCreateBuffer(
				state->ctx,
				CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
				in.bytes, const_cast<void *>(in.p), &err);
			if (err != CL_SUCCESS) {
				vaccel_error("[opencl] %s: input buffer of %zu "
					     "bytes: %s (%d)",
					     op, in.bytes, cl_err_name(err),
					     (int)err);
				return to_vaccel(err);
			}
		}
		++i;
	}
	i = 0;
	for (const Out &out : outs) {
		out_mem[i].m = clCreateBuffer(state->ctx, CL_MEM_WRITE_ONLY,
					      out.bytes, nullptr, &err);
		if (err != CL_SUCCESS) {
			vaccel_error("[opencl] %s: output buffer of %zu bytes: "
				     "%s (%d)",
				     op, out.bytes, cl_err_name(err), (int)err);
			return to_vaccel(err);
		}
		++i;
	}
	cl_mem fallback = nullptr;
	for (const Mem &m : in_mem)
		if (m.m && !fallback)
			fallback = m.m;

	// Round up so that the driver can choose any work-group size; the
	// kernels stop at n.
	const size_t global = (n + 63) / 64 * 64;
	{
		std::lock_guard lk(prog->locks[id]);
		cl_kernel k = prog->kernels[id];
		cl_uint arg = 0;
		for (const Mem &m : in_mem) {
			cl_mem b = m.m ? m.m : fallback;
			err = clSetKernelArg(k, arg++, sizeof b, &b);
			if (err != CL_SUCCESS)
				break;
		}
		for (const Mem &m : out_mem) {
			if (err != CL_SUCCESS)
				break;
			err = clSetKernelArg(k, arg++, sizeof m.m, &m.m);
		}
		for (cl_ulong s : scalars) {
			if (err != CL_SUCCESS)
				break;
			err = clSetKernelArg(k, arg++, sizeof s, &s);
		}
		if (err != CL_SUCCESS) {
			vaccel_error("[opencl] %s: argument %u of kernel %s: "
				     "%s (%d)",
				     op, arg - 1, kKernelNames[id],
				     cl_err_name(err), (int)err);
			return to_vaccel(err);
		}
		err = clEnqueueNDRangeKernel(state->queue, k, 1, nullptr,
					     &global, nullptr, 0, nullptr,
					     nullptr);
	}
	if (err != CL_SUCCESS)
		return cl_fail(op, err);
	// The queue is in order: each blocking read waits for the kernel.
	i = 0;
	for (const Out &out : outs) {
		err = clEnqueueReadBuffer(state->queue, out_mem[i].m, CL_TRUE,
					  0, out.bytes, out.p, 0, nullptr,
					  nullptr);
		if (err != CL_SUCCESS)
			return cl_fail(op, err);
		++i;
	}
	return VACCEL_OK;
}

// No C++ exception leaves the plugin: what can throw here is allocation.
template <class F> int guarded(const char *op, F &&f) noexcept
{
	try {
		return f();
	} catch (const std::bad_alloc &) {
		vaccel_error("[opencl] %s: out of memory", op);
		return VACCEL_ENOMEM;
	} catch (...) {
		vaccel_error("[opencl] %s: unexpected exception", op);
		return VACCEL_EIO;
	}
}

// Byte size of @p len elements of @p elem bytes, or false if it overflows.
bool bytes_of(size_t len, size_t elem, size_t *out)
{
	if (len > SIZE_MAX / elem)
		return false;
	*out = len * elem;
	return true;
}

int too_long(const char *op, size_t len)
{
	vaccel_error("[opencl] %s: %zu elements do not fit in memory", op, len);
	return VACCEL_EINVAL;
}

// ---- operations -----------------------------------------------------------

int ocl_vadd(vaccel_session *sess, float a[], float b[], float c[],
	     size_t len_a, size_t len_b)
{
	const char *op = "fpga_vadd";
	const size_t n = std::max(len_a, len_b);
	size_t ba, bb, bc;
	if (!bytes_of(len_a, sizeof(float), &ba) ||
	    !bytes_of(len_b, sizeof(float), &bb) ||
	    !bytes_of(n, sizeof(float), &bc))
		return too_long(op, n);
	if (n == 0)
		return VACCEL_OK;
	return guarded(op, [&]() -> int {
		return run(op, sess, VADD, {{a, ba}, {b, bb}}, {{c, bc}},
			   {len_a, len_b, n}, n);
	});
}

int ocl_arraycopy(vaccel_session *sess, int a[], int out_a[], size_t len_a)
{
	const char *op = "fpga_arraycopy";
	size_t bytes;
	if (!bytes_of(len_a, sizeof(int), &bytes))
		return too_long(op, len_a);
	if (len_a == 0)
		return VACCEL_OK;
	return guarded(op, [&]() -> int {
		return run(op, sess, ARRAYCOPY, {{a, bytes}}, {{out_a, bytes}},
			   {len_a}, len_a);
	});
}

int ocl_mmult(vaccel_session *sess, float a[], float b[], float c[],
	      size_t len_a)
{
	const char *op = "fpga_mmult";
	size_t bytes;
	if (!bytes_of(len_a, sizeof(float), &bytes))
		return too_long(op, len_a);
	if (len_a == 0)
		return VACCEL_OK;
	return guarded(op, [&]() -> int {
		return run(op, sess, MMULT, {{a, bytes}, {b, bytes}},
			   {{c, bytes}}, {len_a}, len_a);
	});
}

int ocl_parallel(vaccel_session *sess, float a[], float b[],
		 float add_output[], float mult_output[], size_t len_a)
{
	const char *op = "fpga_parallel";
	size_t bytes;
	if (!bytes_of(len_a, sizeof(float), &bytes))
		return too_long(op, len_a);
	if (len_a == 0)
		return VACCEL_OK;
	return guarded(op, [&]() -> int {
		return run(op, sess, PARALLEL, {{a, bytes}, {b, bytes}},
			   {{add_output, bytes}, {mult_output, bytes}},
			   {len_a}, len_a);
	});
}

// ---- lifecycle and hooks --------------------------------------------------

int ocl_fini()
{
	delete state;
	state = nullptr;
	descriptor().type = kAnyType;
	return VACCEL_OK;
}

int init_state()
{
	cl_platform_id platform = nullptr;
	if (int ret = pick_device(&platform, &state->device))
		return ret;
	cl_device_type dtype = 0;
	clGetDeviceInfo(state->device, CL_DEVICE_TYPE, sizeof dtype, &dtype,
			nullptr);
	const cl_context_properties props[] = {
		CL_CONTEXT_PLATFORM, (cl_context_properties)platform, 0};
	cl_int err;
	state->ctx = clCreateContext(props, 1, &state->device, nullptr,
				     nullptr, &err);
	if (err != CL_SUCCESS)
		return cl_fail("creating the context", err);
	state->queue = clCreateCommandQueue(state->ctx, state->device, 0, &err);
	if (err != CL_SUCCESS)
		return cl_fail("creating the command queue", err);
	const char *bin = getenv("VACCEL_OPENCL_BINARY");
	int ret = bin && *bin ? program_from_file(bin, state->deflt)
			      : program_from_source(state->deflt);
	if (ret)
		return ret;
	// Say what the device is, so that sessions' hints select it for
	// what it is.
	uint32_t type = 0;
	if (dtype & CL_DEVICE_TYPE_CPU)
		type |= VACCEL_PLUGIN_CPU;
	if (dtype & CL_DEVICE_TYPE_GPU)
		type |= VACCEL_PLUGIN_GPU;
	if (dtype & (CL_DEVICE_TYPE_ACCELERATOR | CL_DEVICE_TYPE_CUSTOM))
		type |= VACCEL_PLUGIN_FPGA;
	descriptor().type = type ? type : kAnyType;
	vaccel_debug("[opencl] device %s on %s, program from %s",
		     device_name(state->device).c_str(),
		     platform_name(platform).c_str(),
		     bin && *bin ? bin : "source");
	return VACCEL_OK;
}

int ocl_init()
{
	ocl_fini(); // a state left over from a load whose fini never ran
	int ret = guarded("init", []() -> int {
		state = new State;
		return init_state();
	});
	if (ret)
		ocl_fini();
	return ret;
}

int ocl_resource_register(vaccel_resource *res, vaccel_session *sess)
{
	if (!state || !is_program_resource(res))
		return VACCEL_OK;
	return guarded("resource register", [&]() -> int {
		std::shared_ptr<Program> prog;
		{
			std::lock_guard lk(state->lock);
			auto it = state->by_resource.find(res->id);
			if (it != state->by_resource.end())
				prog = it->second.lock();
		}
		if (!prog) {
			size_t size = 0;
			const uint8_t *bytes =
				vaccel_blob_data(res->blobs[0], &size);
			std::string origin = "resource " +
					     std::to_string(res->id) + " (" +
					     res->blobs[0]->name + ")";
			if (int ret = program_from_binary(bytes, size, origin,
							  prog))
				return ret;
		}
		std::lock_guard lk(state->lock);
		state->by_resource[res->id] = prog;
		state->by_session[sess->id].emplace_back(res->id, prog);
		state->nr_session_programs.fetch_add(1,
						     std::memory_order_release);
		vaccel_debug("[opencl] session %" PRId64 " runs resource %" PRId64,
			     sess->id, res->id);
		return VACCEL_OK;
	});
}

int ocl_resource_unregister(vaccel_resource *res, vaccel_session *sess)
{
	if (!state)
		return VACCEL_OK;
	return guarded("resource unregister", [&]() -> int {
		std::shared_ptr<Program> last; // released after the lock
		std::lock_guard lk(state->lock);
		auto it = state->by_session.find(sess->id);
		if (it == state->by_session.end())
			return VACCEL_OK;
		auto &v = it->second;
		auto e = std::find_if(v.begin(), v.end(), [&](auto &p) {
			return p.first == res->id;
		});
		if (e == v.end())
			return VACCEL_OK;
		last = std::move(e->second);
		v.erase(e);
		if (v.empty())
			state->by_session.erase(it);
		state->nr_session_programs.fetch_sub(1,
						     std::memory_order_release);
		if (last.use_count() == 1)
			state->by_resource.erase(res->id);
		return VACCEL_OK;
	});
}

const vaccel_plugin_ops ocl_ops = [] {
	vaccel_plugin_ops ops{};
	ops.fpga_arraycopy = ocl_arraycopy;
	ops.fpga_mmult = ocl_mmult;
	ops.fpga_parallel = ocl_parallel;
	ops.fpga_vadd = ocl_vadd;
	return ops;
}();

// Not const: init() sets the type to that of the device it opened.
vaccel_plugin_desc ocl_plugin = {
	VACCEL_PLUGIN_DESC("opencl", VACCEL_VERSION, kAnyType),
	.init = ocl_init,
	.fini = ocl_fini,
	.resource_register = ocl_resource_register,
	.resource_unregister = ocl_resource_unregister,
	VACCEL_PLUGIN_OPS(ocl_ops),
};

vaccel_plugin_desc &descriptor()
{
	return ocl_plugin;
}

} // namespace

VACCEL_PLUGIN_ENTRY(opencl, ocl_plugin)
