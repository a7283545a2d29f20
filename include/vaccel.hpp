// SPDX-License-Identifier: Apache-2.0
/**
 * @file vaccel.hpp
 * A thin, header-only C++ layer over the vAccel C API (vaccel.h).
 *
 * What it adds: ownership (RAII) and exceptions. Nothing else changes: every
 * member that does work is inline and forwards to exactly one C function,
 * so a call costs what the C call costs plus a test of its return value.
 *
 * - Errors. A C function that fails (returns non-zero) becomes a
 *   vaccel::Error carrying the C return code, e.g.
 *   "vaccel_sgemm: Invalid argument (22)". Destructors never throw: errors
 *   while releasing are ignored (call release() to see them).
 * - Ownership. Session and Resource own their C object on the heap, so its
 *   address stays the same for its whole life (the runtime refuses copies of
 *   a live struct). They are move-only; a moved-from object is inert: its
 *   id() is 0, get() is nullptr, its destructor does nothing and the
 *   operations that need it (noop(), exec(), register_with() ...) throw
 *   Error(VACCEL_EINVAL) from the C API.
 * - Borrowing. ArgList::add() and friends store pointers to the caller's
 *   variables (like vaccel_arg_array_add_*()); those variables must outlive
 *   every call that uses the list. The add_copy*() members copy instead.
 * - Const. The C API takes non-const pointers even for inputs (sgemm's a
 *   and b, exec's read args). Where this layer accepts const data it casts
 *   the const away; the runtime and the plugins never write inputs. Do not
 *   put const data in an exec/genop *write* list.
 * - Runtime. The runtime bootstraps itself from the environment on first
 *   use (VACCEL_PLUGINS ...), as with the C API. Objects still alive when
 *   vaccel_cleanup() runs have been released by it; destroying them
 *   afterwards is harmless.
 *
 * Language: C++17 or later. The std::span overloads (checked sgemm,
 * classify/from_bytes on byte spans, ArgList::add(std::span)) exist only
 * when compiled as C++20 (__cplusplus >= 202002L), in which case
 * VACCEL_HPP_HAS_SPAN is defined to 1 (else 0).
 *
 * Threads: as for the C API. A Session may be used from several threads;
 * an ArgList or a ProfRegion from one thread at a time.
 */
#pragma once

/* The C headers are C: keep C++-only style warnings of the includer's
 * build (e.g. -Wold-style-cast, and -Wshadow for vaccel_config, which is
 * both a struct and a function) out of them. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#endif
#include "vaccel.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#if __cplusplus >= 202002L
#include <span>
#define VACCEL_HPP_HAS_SPAN 1
#else
#define VACCEL_HPP_HAS_SPAN 0
#endif

#if defined(__GNUC__)
#define VACCEL_HPP_COLD_ __attribute__((noinline, cold))
#define VACCEL_HPP_UNLIKELY_(x) __builtin_expect(!!(x), 0)
#else
#define VACCEL_HPP_COLD_
#define VACCEL_HPP_UNLIKELY_(x) (x)
#endif

namespace vaccel {

/**
 * A failed vAccel call. what() is "<call>: <strerror(code)> (<code>)",
 * then ": <message>" when the call said why (message()).
 * Derives from std::runtime_error, so `catch (const std::exception &)`
 * catches it too.
 */
class Error : public std::runtime_error {
public:
	/**
	 * @param code the C API's return code (a VACCEL_E* / errno value).
	 * @param what the call that failed, e.g. "vaccel_sgemm" (copied).
	 * @throws std::bad_alloc if the message cannot be built.
	 */
	Error(int code, const std::string &what, const std::string &message = {})
		: std::runtime_error(describe(code, what, message)), code_(code),
		  message_(message)
	{
	}

	/** The C return code, e.g. VACCEL_EINVAL. Never throws. */
	int code() const noexcept
	{
		return code_;
	}

	/**
	 * Why the call failed, as the runtime, the plugin or (behind the rpc
	 * plugin) the agent said it: the error lines logged by the failing
	 * thread (vaccel_error_message()); "" if none. Never throws.
	 */
	const std::string &message() const noexcept
	{
		return message_;
	}

private:
	static std::string describe(int code, const std::string &what,
				    const std::string &message)
	{
		std::string s = what + ": " + std::generic_category().message(code) +
				" (" + std::to_string(code) + ")";
		if (!message.empty())
			s += ": " + message;
		return s;
	}

	int code_;
	std::string message_;
};

namespace detail {

/* Kept out of line and cold, so that check() inlines to a compare and a
 * branch on the call path. */
/* The thread's error lines since the last Error go with this one. */
[[noreturn]] VACCEL_HPP_COLD_ inline void raise(int code,
						const std::string &what)
{
	std::string message = vaccel_error_message();
	vaccel_error_clear();
	throw Error(code, what, message);
}

[[noreturn]] VACCEL_HPP_COLD_ inline void raise(int code, const char *what)
{
	raise(code, std::string(what ? what : "vaccel"));
}

} // namespace detail

/**
 * Throw Error(@p ret, @p what) unless @p ret is VACCEL_OK (0).
 * @param ret  a C API return code.
 * @param what the failing call, for the message (borrowed for the call).
 * @throws Error if @p ret is non-zero.
 */
inline void check(int ret, const char *what)
{
	if (VACCEL_HPP_UNLIKELY_(ret != VACCEL_OK))
		detail::raise(ret, what);
}

/* ---- argument type mapping ------------------------------------------- */

namespace detail {

/* A serializer that copies the bytes as they are, for the owned copies of
 * ArgList::add_copy() and add_string_copy(). */
inline int copy_bytes(const void *data, std::size_t size, std::uint32_t,
		      void **buf, std::size_t *out) noexcept
{
	if (!data || !size)
		return VACCEL_EINVAL;
	void *p = std::malloc(size);
	if (!p)
		return VACCEL_ENOMEM;
	std::memcpy(p, data, size);
	*buf = p;
	*out = size;
	return VACCEL_OK;
}

/* One specialisation per C type that has vaccel_arg_array_add_<name>().
 * uint8_t and unsigned char are the same C++ type, so unsigned char maps
 * to VACCEL_ARG_UINT8 here; ArgList::add_uchar() gives VACCEL_ARG_UCHAR. */
template <class T, class = void> struct arg_traits {};

#define VACCEL_HPP_ARG_TRAITS_(CTYPE, NAME, SCALAR, ARRAY)                    \
	template <> struct arg_traits<CTYPE> {                                \
		using c_type = CTYPE;                                         \
		static constexpr vaccel_arg_type_t scalar = SCALAR;           \
		static constexpr vaccel_arg_type_t array = ARRAY;             \
		static constexpr const char *add_name =                       \
			"vaccel_arg_array_add_" #NAME;                        \
		static constexpr const char *add_array_name =                 \
			"vaccel_arg_array_add_" #NAME "_array";               \
		static int add(vaccel_arg_array *a, c_type *v) noexcept      \
		{                                                             \
			return vaccel_arg_array_add_##NAME(a, v);             \
		}                                                             \
		static int add_array(vaccel_arg_array *a, c_type *v,         \
				     std::size_t n) noexcept                  \
		{                                                             \
			return vaccel_arg_array_add_##NAME##_array(a, v, n);  \
		}                                                             \
	};

VACCEL_HPP_ARG_TRAITS_(std::int8_t, int8, VACCEL_ARG_INT8, VACCEL_ARG_INT8_ARRAY)
VACCEL_HPP_ARG_TRAITS_(std::int16_t, int16, VACCEL_ARG_INT16,
		       VACCEL_ARG_INT16_ARRAY)
VACCEL_HPP_ARG_TRAITS_(std::int32_t, int32, VACCEL_ARG_INT32,
		       VACCEL_ARG_INT32_ARRAY)
VACCEL_HPP_ARG_TRAITS_(std::int64_t, int64, VACCEL_ARG_INT64,
		       VACCEL_ARG_INT64_ARRAY)
VACCEL_HPP_ARG_TRAITS_(std::uint8_t, uint8, VACCEL_ARG_UINT8,
		       VACCEL_ARG_UINT8_ARRAY)
VACCEL_HPP_ARG_TRAITS_(std::uint16_t, uint16, VACCEL_ARG_UINT16,
		       VACCEL_ARG_UINT16_ARRAY)
VACCEL_HPP_ARG_TRAITS_(std::uint32_t, uint32, VACCEL_ARG_UINT32,
		       VACCEL_ARG_UINT32_ARRAY)
VACCEL_HPP_ARG_TRAITS_(std::uint64_t, uint64, VACCEL_ARG_UINT64,
		       VACCEL_ARG_UINT64_ARRAY)
VACCEL_HPP_ARG_TRAITS_(float, float, VACCEL_ARG_FLOAT32,
		       VACCEL_ARG_FLOAT32_ARRAY)
VACCEL_HPP_ARG_TRAITS_(double, double, VACCEL_ARG_FLOAT64,
		       VACCEL_ARG_FLOAT64_ARRAY)
VACCEL_HPP_ARG_TRAITS_(bool, bool, VACCEL_ARG_BOOL, VACCEL_ARG_BOOL_ARRAY)
VACCEL_HPP_ARG_TRAITS_(char, char, VACCEL_ARG_CHAR, VACCEL_ARG_CHAR_ARRAY)

#undef VACCEL_HPP_ARG_TRAITS_

template <std::size_t Size, bool Signed> struct fixed_int {};
template <> struct fixed_int<1, true> { using type = std::int8_t; };
template <> struct fixed_int<2, true> { using type = std::int16_t; };
template <> struct fixed_int<4, true> { using type = std::int32_t; };
template <> struct fixed_int<8, true> { using type = std::int64_t; };
template <> struct fixed_int<1, false> { using type = std::uint8_t; };
template <> struct fixed_int<2, false> { using type = std::uint16_t; };
template <> struct fixed_int<4, false> { using type = std::uint32_t; };
template <> struct fixed_int<8, false> { using type = std::uint64_t; };

/* Integers that are none of the character types. */
template <class T>
inline constexpr bool is_plain_int_v =
	std::is_integral_v<T> && !std::is_same_v<T, bool> &&
	!std::is_same_v<T, char> && !std::is_same_v<T, signed char> &&
	!std::is_same_v<T, unsigned char> && !std::is_same_v<T, wchar_t> &&
#if defined(__cpp_char8_t)
	!std::is_same_v<T, char8_t> &&
#endif
	!std::is_same_v<T, char16_t> && !std::is_same_v<T, char32_t>;

/* An integer type spelled differently from the fixed-width type of its
 * size and sign (long long where int64_t is long, or the reverse) maps to
 * that fixed-width type: the C API only stores the pointer and a size. */
template <class T>
struct arg_traits<
	T, std::enable_if_t<is_plain_int_v<T> &&
			    !std::is_same_v<T, typename fixed_int<
						       sizeof(T),
						       std::is_signed_v<T>>::type>>>
	: arg_traits<typename fixed_int<sizeof(T), std::is_signed_v<T>>::type> {
};

template <class T, class = void> struct has_arg_traits : std::false_type {};
template <class T>
struct has_arg_traits<T, std::void_t<decltype(arg_traits<T>::scalar)>>
	: std::true_type {};

/* The C functions take non-const pointers even for inputs. */
template <class T> inline std::remove_cv_t<T> *unconst(T *p) noexcept
{
	static_assert(!std::is_volatile_v<T>, "volatile arguments are not supported");
	return const_cast<std::remove_cv_t<T> *>(p);
}

template <class T>
inline typename arg_traits<std::remove_cv_t<T>>::c_type *to_c(T *p) noexcept
{
	using C = typename arg_traits<std::remove_cv_t<T>>::c_type;
	return reinterpret_cast<C *>(unconst(p));
}

/* The C API counts some arrays in int. */
inline int to_int(std::size_t n, const char *what)
{
	if (VACCEL_HPP_UNLIKELY_(n > static_cast<std::size_t>(INT_MAX)))
		raise(VACCEL_EINVAL, what);
	return static_cast<int>(n);
}

inline void check_matrix(std::size_t have, std::int64_t rows,
			 std::int64_t cols, std::int64_t ld, const char *name)
{
	if (rows < 0 || cols < 0 || ld < 0)
		raise(VACCEL_EINVAL, "vaccel::Session::sgemm: negative dimension");
	if (rows == 0 || cols == 0)
		return;
	const auto r = static_cast<std::uint64_t>(rows - 1);
	const auto c = static_cast<std::uint64_t>(cols);
	const auto l = static_cast<std::uint64_t>(ld);
	/* need = (rows - 1) * ld + cols, without overflowing */
	bool fits = l == 0 || r <= (UINT64_MAX - c) / l;
	std::uint64_t need = fits ? r * l + c : 0;
	if (VACCEL_HPP_UNLIKELY_(!fits || need > have))
		raise(VACCEL_EINVAL,
		      std::string("vaccel::Session::sgemm: span ") + name +
			      " holds " + std::to_string(have) + " floats, " +
			      (fits ? std::to_string(need) : std::string("more")) +
			      " needed for " + std::to_string(rows) + "x" +
			      std::to_string(cols) + " with leading dimension " +
			      std::to_string(ld));
}

} // namespace detail

/** True if add(T&) / add_copy(const T&) accept T (cv-qualifiers ignored). */
template <class T>
inline constexpr bool is_arg_v = detail::has_arg_traits<std::remove_cv_t<T>>::value;

/** The VACCEL_ARG_* type add(T&) gives a T; e.g. int8_t -> INT8, char ->
 *  CHAR, unsigned char (= uint8_t) -> UINT8, long long -> INT64. */
template <class T>
inline constexpr vaccel_arg_type_t arg_type_v =
	detail::arg_traits<std::remove_cv_t<T>>::scalar;

/** The VACCEL_ARG_*_ARRAY type an array of T gets. */
template <class T>
inline constexpr vaccel_arg_type_t arg_array_type_v =
	detail::arg_traits<std::remove_cv_t<T>>::array;

/* ---- ArgList ---------------------------------------------------------- */

/**
 * A growable list of typed arguments: an owned vaccel_arg_array, released
 * with the list. Pass data() and size() (or the list itself, to
 * Session::exec() / genop()) to the C API.
 *
 * Arguments added with add*() are *borrowed*: they point at the caller's
 * variables, which must outlive every call that uses the list, and the
 * operation writes its outputs straight into them. add_copy*() and
 * add_op() store an owned copy instead. Move-only; a moved-from list is
 * empty and may be filled again.
 */
class ArgList {
public:
	/** An empty list. Allocates nothing. Never throws. */
	ArgList() noexcept
	{
		reset_();
	}

	/**
	 * An empty list with room for @p capacity args.
	 * @throws Error(VACCEL_ENOMEM) if the room cannot be allocated.
	 */
	explicit ArgList(std::size_t capacity)
	{
		check(vaccel_arg_array_init(&arr_, capacity),
		      "vaccel_arg_array_init");
	}

	/** Releases the array and any copies it owns. Never throws. */
	~ArgList()
	{
		vaccel_arg_array_release(&arr_);
	}

	/** Not copyable: the C object has a single owner. */
	ArgList(const ArgList &) = delete;
	/** Not copyable: the C object has a single owner. */
	ArgList &operator=(const ArgList &) = delete;

	/** Takes over @p other's args; @p other becomes empty. */
	ArgList(ArgList &&other) noexcept : arr_(other.arr_)
	{
		other.reset_();
	}

	/** Releases this list's args, then takes over @p other's. */
	ArgList &operator=(ArgList &&other) noexcept
	{
		if (this != &other) {
			vaccel_arg_array_release(&arr_);
			arr_ = other.arr_;
			other.reset_();
		}
		return *this;
	}

	/**
	 * Add @p value, borrowed, with the type arg_type_v<T> (see is_arg_v
	 * for the accepted types). A const value is fine in a read list.
	 * @throws Error(VACCEL_ENOMEM) if the list cannot grow.
	 */
	template <class T, std::enable_if_t<is_arg_v<T>, int> = 0>
	ArgList &add(T &value)
	{
		using Tr = detail::arg_traits<std::remove_cv_t<T>>;
		check(Tr::add(&arr_, detail::to_c(&value)), Tr::add_name);
		return *this;
	}

	/** Temporaries cannot be borrowed: use add_copy(). */
	template <class T> ArgList &add(const T &&) = delete;

	/**
	 * Add @p count elements at @p values, borrowed, as one
	 * arg_array_type_v<T> arg of count * sizeof(T) bytes.
	 * @throws Error(VACCEL_EINVAL) if @p values is null or @p count is 0;
	 *         Error(VACCEL_ENOMEM) if the list cannot grow.
	 */
	template <class T, std::enable_if_t<is_arg_v<T>, int> = 0>
	ArgList &add_array(T *values, std::size_t count)
	{
		using Tr = detail::arg_traits<std::remove_cv_t<T>>;
		check(Tr::add_array(&arr_, detail::to_c(values), count),
		      Tr::add_array_name);
		return *this;
	}

	/** Add a vector's elements, borrowed (see add_array()). Adding
	 *  elements to the vector later may move them: add it last. */
	template <class T, class A, std::enable_if_t<is_arg_v<T>, int> = 0>
	ArgList &add(std::vector<T, A> &values)
	{
		static_assert(!std::is_same_v<std::remove_cv_t<T>, bool>,
			      "std::vector<bool> has no contiguous storage");
		return add_array(values.data(), values.size());
	}

	/** As add(std::vector &), for a read list only. */
	template <class T, class A, std::enable_if_t<is_arg_v<T>, int> = 0>
	ArgList &add(const std::vector<T, A> &values)
	{
		static_assert(!std::is_same_v<std::remove_cv_t<T>, bool>,
			      "std::vector<bool> has no contiguous storage");
		return add_array(values.data(), values.size());
	}

#if VACCEL_HPP_HAS_SPAN
	/** Add a span's elements, borrowed (see add_array()). C++20. */
	template <class T, std::size_t E, std::enable_if_t<is_arg_v<T>, int> = 0>
	ArgList &add(std::span<T, E> values)
	{
		return add_array(values.data(), values.size());
	}
#endif

	/**
	 * Add @p value, borrowed, as VACCEL_ARG_UCHAR (add() makes an
	 * unsigned char a VACCEL_ARG_UINT8, since it is uint8_t).
	 * @throws Error(VACCEL_ENOMEM) if the list cannot grow.
	 */
	ArgList &add_uchar(unsigned char &value)
	{
		check(vaccel_arg_array_add_uchar(&arr_, &value),
		      "vaccel_arg_array_add_uchar");
		return *this;
	}

	/** Add @p count unsigned chars, borrowed, as VACCEL_ARG_UCHAR_ARRAY.
	 *  @throws Error as add_array(). */
	ArgList &add_uchar_array(unsigned char *values, std::size_t count)
	{
		check(vaccel_arg_array_add_uchar_array(&arr_, values, count),
		      "vaccel_arg_array_add_uchar_array");
		return *this;
	}

	/**
	 * Add a NUL-terminated string, borrowed, as VACCEL_ARG_STRING of
	 * strlen + 1 bytes. The operation may write it back (set_string).
	 * @throws Error(VACCEL_EINVAL) if @p str is null;
	 *         Error(VACCEL_ENOMEM) if the list cannot grow.
	 */
	ArgList &add_string(char *str)
	{
		check(vaccel_arg_array_add_string(&arr_, str),
		      "vaccel_arg_array_add_string");
		return *this;
	}

	/** As add_string(char *), for a read list only (see the file
	 *  comment on const). @throws Error as add_string(char *). */
	ArgList &add_string(const char *str)
	{
		return add_string(const_cast<char *>(str));
	}

	/** Add @p str, borrowed (its buffer, size() + 1 bytes with the
	 *  terminator). Do not resize the string while the list is used.
	 *  @throws Error(VACCEL_ENOMEM) if the list cannot grow. */
	ArgList &add_string(std::string &str)
	{
		return add_string(str.data());
	}

	/** Add a copy of @p str, NUL-terminated, as an owned
	 *  VACCEL_ARG_STRING. @throws Error(VACCEL_ENOMEM), std::bad_alloc. */
	ArgList &add_string_copy(std::string_view str)
	{
		std::string tmp(str);
		check(vaccel_arg_array_add_serialized(&arr_, VACCEL_ARG_STRING,
						      0, tmp.c_str(),
						      tmp.size() + 1,
						      detail::copy_bytes),
		      "vaccel_arg_array_add_serialized");
		return *this;
	}

	/**
	 * Add @p size bytes at @p data, borrowed, as VACCEL_ARG_BUFFER.
	 * @throws Error(VACCEL_EINVAL) if @p data is null or @p size is 0;
	 *         Error(VACCEL_ENOMEM) if the list cannot grow.
	 */
	ArgList &add_buffer(void *data, std::size_t size)
	{
		check(vaccel_arg_array_add_buffer(&arr_, data, size),
		      "vaccel_arg_array_add_buffer");
		return *this;
	}

	/** As add_buffer(void *, size_t), for a read list only.
	 *  @throws Error as add_buffer(void *, size_t). */
	ArgList &add_buffer(const void *data, std::size_t size)
	{
		return add_buffer(const_cast<void *>(data), size);
	}

#if VACCEL_HPP_HAS_SPAN
	/** Add a byte span, borrowed, as VACCEL_ARG_BUFFER. C++20.
	 *  @throws Error as add_buffer(void *, size_t). */
	template <class B, std::size_t E,
		  std::enable_if_t<std::is_same_v<std::remove_cv_t<B>, std::byte>,
				   int> = 0>
	ArgList &add_buffer(std::span<B, E> bytes)
	{
		return add_buffer(static_cast<const void *>(bytes.data()),
				  bytes.size());
	}
#endif

	/**
	 * Add an owned copy of @p value with the type arg_type_v<T>: for
	 * inputs that are temporaries (`add_copy(42)`).
	 * @throws Error(VACCEL_ENOMEM) if the copy or the list cannot grow.
	 */
	template <class T, std::enable_if_t<is_arg_v<T>, int> = 0>
	ArgList &add_copy(const T &value)
	{
		check(vaccel_arg_array_add_serialized(&arr_, arg_type_v<T>, 0,
						      &value, sizeof(T),
						      detail::copy_bytes),
		      "vaccel_arg_array_add_serialized");
		return *this;
	}

	/**
	 * Add the operation code a genop read list starts with: an owned
	 * VACCEL_ARG_UINT8 holding @p op.
	 * @throws Error(VACCEL_EINVAL) if @p op does not fit a uint8;
	 *         Error(VACCEL_ENOMEM) if the list cannot grow.
	 */
	ArgList &add_op(vaccel_op_type_t op)
	{
		if (static_cast<unsigned>(op) > UINT8_MAX)
			detail::raise(VACCEL_EINVAL, "vaccel::ArgList::add_op");
		return add_copy(static_cast<std::uint8_t>(op));
	}

	/** The args, for the C API; nullptr while the list has never held
	 *  any. Borrowed from the list. Never throws. */
	vaccel_arg *data() noexcept
	{
		return vaccel_arg_array_raw(&arr_);
	}

	/** Number of args. Never throws. */
	std::size_t size() const noexcept
	{
		return vaccel_arg_array_count(&arr_);
	}

	/** True if the list holds no args. Never throws. */
	bool empty() const noexcept
	{
		return size() == 0;
	}

	/** Arg @p i, unchecked. Borrowed from the list. Never throws. */
	const vaccel_arg &operator[](std::size_t i) const noexcept
	{
		return arr_.args[i];
	}

	/** Arg @p i. Borrowed from the list.
	 *  @throws Error(VACCEL_ERANGE) if @p i >= size(). */
	const vaccel_arg &at(std::size_t i) const
	{
		if (i >= size())
			detail::raise(VACCEL_ERANGE, "vaccel::ArgList::at");
		return arr_.args[i];
	}

	/** Drop every arg (freeing the copies); keeps the storage. */
	void clear() noexcept
	{
		vaccel_arg_array_clear(&arr_);
	}

	/** The underlying array, for the vaccel_arg_array_* functions.
	 *  Borrowed: it stays owned by the list. Never throws. */
	vaccel_arg_array *get() noexcept
	{
		return &arr_;
	}

	/** As get(), read-only. Never throws. */
	const vaccel_arg_array *get() const noexcept
	{
		return &arr_;
	}

private:
	// An owned array of no slots: the first add allocates them
	// (vaccel_arg_array_init(0) would allocate its default capacity).
	void reset_() noexcept
	{
		arr_ = vaccel_arg_array{};
		arr_.owned = true;
	}

	vaccel_arg_array arr_{};
};

/* ---- Resource ---------------------------------------------------------- */

class Session;

/**
 * A resource (library, model, data) owned by this object: created in the
 * constructor, released (and so unregistered from every session) by the
 * destructor. Move-only; see the file comment for moved-from objects.
 */
class Resource {
public:
	/**
	 * From a file, or a directory whose regular files become its blobs.
	 * @p path is copied.
	 * @throws Error with the C code: VACCEL_ENOENT (or another errno) if
	 *         @p path cannot be found, VACCEL_EINVAL for an empty path or
	 *         a bad @p type, VACCEL_ENOTSUP for a URL; std::bad_alloc.
	 */
	Resource(const char *path, vaccel_resource_type_t type)
		: res_(new vaccel_resource{})
	{
		check(vaccel_resource_init(res_.get(), path, type),
		      "vaccel_resource_init");
	}

	/** As Resource(const char *, type). */
	Resource(const std::string &path, vaccel_resource_type_t type)
		: Resource(path.c_str(), type)
	{
	}

	/**
	 * From several files, one blob each, in order. The paths are copied.
	 * @throws Error: VACCEL_EINVAL for an empty list, VACCEL_ENOENT (or
	 *         another errno) for a missing file; std::bad_alloc.
	 */
	Resource(const std::vector<std::string> &paths,
		 vaccel_resource_type_t type)
		: res_(new vaccel_resource{})
	{
		std::vector<const char *> p;
		p.reserve(paths.size());
		for (const auto &s : paths)
			p.push_back(s.c_str());
		init_multi_(p, type);
	}

	/** As the vector constructor: `Resource({"a.so", "b.so"}, type)`. */
	Resource(std::initializer_list<const char *> paths,
		 vaccel_resource_type_t type)
		: res_(new vaccel_resource{})
	{
		std::vector<const char *> p(paths);
		init_multi_(p, type);
	}

	/**
	 * From @p size bytes at @p data, copied into the resource and kept in
	 * memory only (vaccel_resource_init_from_buf with mem_only = true,
	 * which borrows the bytes: the object holds the copy it lends).
	 * @p filename (may be null; copied) names its blob.
	 * @throws Error(VACCEL_EINVAL) for no bytes, a bad type or a filename
	 *         with '/'; Error(VACCEL_ENOMEM); std::bad_alloc.
	 */
	static Resource from_bytes(const void *data, std::size_t size,
				   vaccel_resource_type_t type,
				   const char *filename = nullptr)
	{
		Resource r{Empty_{}};
		const auto *p = static_cast<const std::byte *>(data);
		if (p && size)
			r.bytes_ = std::make_unique<std::vector<std::byte>>(
				p, p + size);
		check(vaccel_resource_init_from_buf(
			      r.res_.get(), r.bytes_ ? r.bytes_->data() : nullptr,
			      size, type, filename, true),
		      "vaccel_resource_init_from_buf");
		return r;
	}

#if VACCEL_HPP_HAS_SPAN
	/** As from_bytes(const void *, size_t, ...). C++20. */
	static Resource from_bytes(std::span<const std::byte> bytes,
				   vaccel_resource_type_t type,
				   const char *filename = nullptr)
	{
		return from_bytes(bytes.data(), bytes.size(), type, filename);
	}
#endif

	/** Releases the resource, unregistering it from every session.
	 *  Never throws. */
	~Resource()
	{
		if (res_)
			vaccel_resource_release(res_.get());
	}

	/** Not copyable: the C object has a single owner. */
	Resource(const Resource &) = delete;
	/** Not copyable: the C object has a single owner. */
	Resource &operator=(const Resource &) = delete;

	/** Takes over @p other's resource; @p other becomes inert. */
	Resource(Resource &&other) noexcept = default;

	/** Releases this resource, then takes over @p other's. */
	Resource &operator=(Resource &&other) noexcept
	{
		if (this != &other) {
			if (res_)
				vaccel_resource_release(res_.get());
			res_ = std::move(other.res_);
			bytes_ = std::move(other.bytes_);
		}
		return *this;
	}

	/** Release now; the object becomes inert.
	 *  @throws Error if the C release fails (the object is inert anyway). */
	void release()
	{
		if (!res_)
			return;
		int ret = vaccel_resource_release(res_.get());
		res_.reset();
		bytes_.reset();
		check(ret, "vaccel_resource_release");
	}

	/** Its id (> 0); 0 if inert. Never throws. */
	vaccel_id_t id() const noexcept
	{
		return res_ ? res_->id : 0;
	}

	/** What it is; VACCEL_RESOURCE_MAX if inert. Never throws. */
	vaccel_resource_type_t type() const noexcept
	{
		return res_ ? res_->type : VACCEL_RESOURCE_MAX;
	}

	/** Number of sessions it is registered with; -1 if inert. */
	long refcount() const noexcept
	{
		return vaccel_resource_refcount(res_.get());
	}

	/** The C object, borrowed (owned by this object); nullptr if inert.
	 *  Never throws. */
	vaccel_resource *get() const noexcept
	{
		return res_.get();
	}

	/** True unless inert. Never throws. */
	explicit operator bool() const noexcept
	{
		return res_ != nullptr;
	}

	/**
	 * Register with @p session (vaccel_resource_register).
	 * @throws Error(VACCEL_EEXIST) if already registered with it,
	 *         Error(VACCEL_EINVAL) if either object is inert, or a
	 *         plugin's error code.
	 */
	void register_with(Session &session);

	/**
	 * Unregister from @p session (vaccel_resource_unregister).
	 * @throws Error(VACCEL_ENOENT) if not registered with it,
	 *         Error(VACCEL_EINVAL) if either object is inert.
	 */
	void unregister_from(Session &session);

private:
	struct Empty_ {};
	explicit Resource(Empty_) : res_(new vaccel_resource{}) {}

	void init_multi_(std::vector<const char *> &paths,
			 vaccel_resource_type_t type)
	{
		check(vaccel_resource_init_multi(res_.get(), paths.data(),
						 paths.size(), type),
		      "vaccel_resource_init_multi");
	}

	std::unique_ptr<vaccel_resource> res_;
	// The bytes a resource from memory borrows; released after res_.
	std::unique_ptr<std::vector<std::byte>> bytes_;
};

/* ---- Session ----------------------------------------------------------- */

/** What Session::classify() returns. */
struct ClassifyResult {
	std::string tag; /**< the class the plugin found */
	std::string image_name; /**< name of the image it produced */
};

/**
 * A session owned by this object: started by the constructor, released
 * (with its resource registrations) by the destructor. Move-only; see the
 * file comment for moved-from objects. Operations throw Error with the C
 * code, notably VACCEL_ENOTSUP when no loaded plugin implements them and
 * VACCEL_EINVAL for arguments the runtime refuses.
 */
class Session {
public:
	/**
	 * Start a session (vaccel_session_init).
	 * @param hint VACCEL_PLUGIN_* bits preferred when picking plugins.
	 * @throws Error with the C code (e.g. a plugin's session hook
	 *         failing); std::bad_alloc.
	 */
	explicit Session(std::uint32_t hint = 0) : sess_(new vaccel_session{})
	{
		check(vaccel_session_init(sess_.get(), hint),
		      "vaccel_session_init");
	}

	/** Releases the session and unregisters its resources. Never
	 *  throws. */
	~Session()
	{
		if (sess_)
			vaccel_session_release(sess_.get());
	}

	/** Not copyable: the C object has a single owner. */
	Session(const Session &) = delete;
	/** Not copyable: the C object has a single owner. */
	Session &operator=(const Session &) = delete;

	/** Takes over @p other's session; @p other becomes inert. */
	Session(Session &&other) noexcept = default;

	/** Releases this session, then takes over @p other's. */
	Session &operator=(Session &&other) noexcept
	{
		if (this != &other) {
			if (sess_)
				vaccel_session_release(sess_.get());
			sess_ = std::move(other.sess_);
		}
		return *this;
	}

	/** Release now; the object becomes inert.
	 *  @throws Error if the C release fails (the object is inert anyway). */
	void release()
	{
		if (!sess_)
			return;
		int ret = vaccel_session_release(sess_.get());
		sess_.reset();
		check(ret, "vaccel_session_release");
	}

	/** Its id (> 0); 0 if inert. Never throws. */
	vaccel_id_t id() const noexcept
	{
		return sess_ ? sess_->id : 0;
	}

	/** Its hint (VACCEL_PLUGIN_* bits); 0 if inert. Never throws. */
	std::uint32_t hint() const noexcept
	{
		return sess_ ? std::uint32_t{sess_->hint} : 0;
	}

	/** The C object, borrowed (owned by this object); nullptr if inert.
	 *  Never throws. */
	vaccel_session *get() const noexcept
	{
		return sess_.get();
	}

	/** True unless inert. Never throws. */
	explicit operator bool() const noexcept
	{
		return sess_ != nullptr;
	}

	/** True if @p resource is registered with this session. Never
	 *  throws. */
	bool has(const Resource &resource) const noexcept
	{
		return vaccel_session_has_resource(sess_.get(), resource.get());
	}

	/** The empty operation (vaccel_noop).
	 *  @throws Error(VACCEL_ENOTSUP) without a plugin for it. */
	void noop()
	{
		check(vaccel_noop(sess_.get()), "vaccel_noop");
	}

	/**
	 * C = alpha * A * B + beta * C, row-major (vaccel_sgemm). A is m x k
	 * with leading dimension lda, B is k x n (ldb), C is m x n (ldc). All
	 * three are borrowed for the call; C is written in place. Unchecked:
	 * the buffers must hold what the dimensions imply.
	 * @throws Error(VACCEL_EINVAL) for negative dimensions, leading
	 *         dimensions shorter than a row or null matrices;
	 *         Error(VACCEL_ENOTSUP) without a plugin for it.
	 */
	void sgemm(std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
		   const float *a, std::int64_t lda, const float *b,
		   std::int64_t ldb, float beta, float *c, std::int64_t ldc)
	{
		check(vaccel_sgemm(sess_.get(), m, n, k, alpha,
				   detail::unconst(a), lda, detail::unconst(b),
				   ldb, beta, c, ldc),
		      "vaccel_sgemm");
	}

#if VACCEL_HPP_HAS_SPAN
	/**
	 * As the pointer overload, but first checks that each span holds at
	 * least (rows - 1) * ld + cols floats. C++20.
	 * @throws Error(VACCEL_EINVAL) before calling anything if a span is
	 *         too small or a dimension negative; else as the pointer
	 *         overload.
	 */
	void sgemm(std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
		   std::span<const float> a, std::int64_t lda,
		   std::span<const float> b, std::int64_t ldb, float beta,
		   std::span<float> c, std::int64_t ldc)
	{
		detail::check_matrix(a.size(), m, k, lda, "a");
		detail::check_matrix(b.size(), k, n, ldb, "b");
		detail::check_matrix(c.size(), m, n, ldc, "c");
		sgemm(m, n, k, alpha, a.data(), lda, b.data(), ldb, beta,
		      c.data(), ldc);
	}
#endif

	/**
	 * Classify an image (vaccel_image_classification). @p image is
	 * borrowed for the call. The results are copied into strings, each
	 * truncated to @p max_len - 1 characters.
	 * @throws Error(VACCEL_EINVAL) for an empty image or max_len 0;
	 *         Error(VACCEL_ENOTSUP) without a plugin; std::bad_alloc.
	 */
	ClassifyResult classify(const void *image, std::size_t size,
				std::size_t max_len = 256)
	{
		ClassifyResult r;
		r.tag.assign(max_len, '\0');
		r.image_name.assign(max_len, '\0');
		check(vaccel_image_classification(
			      sess_.get(), image,
			      reinterpret_cast<unsigned char *>(r.tag.data()),
			      reinterpret_cast<unsigned char *>(
				      r.image_name.data()),
			      size, max_len, max_len),
		      "vaccel_image_classification");
		r.tag.resize(std::strlen(r.tag.c_str()));
		r.image_name.resize(std::strlen(r.image_name.c_str()));
		return r;
	}

#if VACCEL_HPP_HAS_SPAN
	/** As classify(const void *, size_t, size_t). C++20. */
	ClassifyResult classify(std::span<const std::byte> image,
				std::size_t max_len = 256)
	{
		return classify(image.data(), image.size(), max_len);
	}
#endif

	/**
	 * Call `int symbol(read, nr_read, write, nr_write)` from the shared
	 * library at @p library (vaccel_exec). The args are borrowed: outputs
	 * land in the variables @p write points at.
	 * @throws Error with the function's non-zero return value, or
	 *         Error(VACCEL_ENOENT) if the library or symbol cannot be
	 *         found, Error(VACCEL_ENOTSUP) without a plugin for exec.
	 */
	void exec(const char *library, const char *symbol, ArgList &read,
		  ArgList &write)
	{
		check(vaccel_exec(sess_.get(), library, symbol, read.data(),
				  read.size(), write.data(), write.size()),
		      "vaccel_exec");
	}

	/** As exec(const char *, const char *, ...). */
	void exec(const std::string &library, const std::string &symbol,
		  ArgList &read, ArgList &write)
	{
		exec(library.c_str(), symbol.c_str(), read, write);
	}

	/**
	 * As exec(), with the library of a LIB resource registered with this
	 * session (vaccel_exec_with_resource).
	 * @throws Error(VACCEL_EPERM) if @p library is not registered with
	 *         this session, Error(VACCEL_EINVAL) if it is not a LIB
	 *         resource; else as exec().
	 */
	void exec(Resource &library, const char *symbol, ArgList &read,
		  ArgList &write)
	{
		check(vaccel_exec_with_resource(sess_.get(), library.get(),
						symbol, read.data(),
						read.size(), write.data(),
						write.size()),
		      "vaccel_exec_with_resource");
	}

	/** As exec(Resource &, const char *, ...). */
	void exec(Resource &library, const std::string &symbol, ArgList &read,
		  ArgList &write)
	{
		exec(library, symbol.c_str(), read, write);
	}

	/**
	 * Any operation through its generic form (vaccel_genop): @p read
	 * starts with the operation (ArgList::add_op()), followed by its
	 * arguments. Args are borrowed.
	 * @throws Error(VACCEL_EINVAL) for malformed or too many args,
	 *         Error(VACCEL_ENOTSUP) for an operation without a generic
	 *         form or plugin; else the operation's error.
	 */
	void genop(ArgList &read, ArgList &write)
	{
		check(vaccel_genop(sess_.get(), read.data(),
				   detail::to_int(read.size(), "vaccel_genop"),
				   write.data(),
				   detail::to_int(write.size(), "vaccel_genop")),
		      "vaccel_genop");
	}

private:
	std::unique_ptr<vaccel_session> sess_;
};

inline void Resource::register_with(Session &session)
{
	check(vaccel_resource_register(res_.get(), session.get()),
	      "vaccel_resource_register");
}

inline void Resource::unregister_from(Session &session)
{
	check(vaccel_resource_unregister(res_.get(), session.get()),
	      "vaccel_resource_unregister");
}

/* ---- profiling --------------------------------------------------------- */

/**
 * A named profiling region (vaccel_prof_region) owned by this object. It
 * collects one sample per start()/stop() pair while profiling is enabled
 * (VACCEL_PROFILING_ENABLED=1 or enable(true)) and costs a branch when it
 * is not. One thread at a time. Move-only; a moved-from region has no name
 * and no samples.
 */
class ProfRegion {
public:
	/**
	 * A region named @p name (copied).
	 * @throws Error(VACCEL_EINVAL) if @p name is null,
	 *         Error(VACCEL_ENOMEM).
	 */
	explicit ProfRegion(const char *name)
	{
		check(vaccel_prof_region_init(&r_, name),
		      "vaccel_prof_region_init");
	}

	/** As ProfRegion(const char *). */
	explicit ProfRegion(const std::string &name) : ProfRegion(name.c_str())
	{
	}

	/** Frees the name and the samples. Never throws. */
	~ProfRegion()
	{
		vaccel_prof_region_release(&r_);
	}

	/** Not copyable: the C object has a single owner. */
	ProfRegion(const ProfRegion &) = delete;
	/** Not copyable: the C object has a single owner. */
	ProfRegion &operator=(const ProfRegion &) = delete;

	/** Takes over @p other's name and samples. */
	ProfRegion(ProfRegion &&other) noexcept : r_(other.r_)
	{
		other.r_ = vaccel_prof_region{};
	}

	/** Frees this region's data, then takes over @p other's. */
	ProfRegion &operator=(ProfRegion &&other) noexcept
	{
		if (this != &other) {
			vaccel_prof_region_release(&r_);
			r_ = other.r_;
			other.r_ = vaccel_prof_region{};
		}
		return *this;
	}

	/** Open a sample (nothing if profiling is disabled).
	 *  @throws Error(VACCEL_ENOMEM) if the sample cannot be stored. */
	void start()
	{
		check(vaccel_prof_region_start(&r_), "vaccel_prof_region_start");
	}

	/** Close the open sample. Never fails in practice.
	 *  @throws Error as the C function. */
	void stop()
	{
		check(vaccel_prof_region_stop(&r_), "vaccel_prof_region_stop");
	}

	/**
	 * start() now, stop() when destroyed (at the end of the scope).
	 * Neither copyable nor movable: `auto s = region.scope();`.
	 */
	class Scope {
	public:
		/** Starts @p region, borrowed: it must outlive the scope.
		 *  @throws Error as start(). */
		explicit Scope(ProfRegion &region) : region_(&region)
		{
			region.start();
		}

		/** Stops the region. Never throws. */
		~Scope()
		{
			vaccel_prof_region_stop(&region_->r_);
		}

		/** Neither copyable nor movable: one scope, one sample. */
		Scope(const Scope &) = delete;
		/** Neither copyable nor movable. */
		Scope &operator=(const Scope &) = delete;
		/** Neither copyable nor movable. */
		Scope(Scope &&) = delete;
		/** Neither copyable nor movable. */
		Scope &operator=(Scope &&) = delete;

	private:
		ProfRegion *region_;
	};

	/** A Scope timing this region. @throws Error as start(). */
	[[nodiscard]] Scope scope()
	{
		return Scope(*this);
	}

	/** Sum of the samples' times, in ns. Never throws. */
	std::uint64_t total_ns() const noexcept
	{
		return vaccel_prof_region_total(&r_);
	}

	/** Number of samples. Never throws. */
	std::size_t count() const noexcept
	{
		return r_.nr_entries;
	}

	/** Its name, borrowed from the region; nullptr if moved-from. */
	const char *name() const noexcept
	{
		return r_.name;
	}

#if VACCEL_HPP_HAS_SPAN
	/** The samples, borrowed (invalidated by start()). C++20. */
	std::span<const vaccel_prof_sample> samples() const noexcept
	{
		return {r_.samples, r_.nr_entries};
	}
#endif

	/** Log the total (vaccel_prof_region_print); nothing without
	 *  samples. @throws Error(VACCEL_EINVAL) if moved-from. */
	void print() const
	{
		check(vaccel_prof_region_print(&r_), "vaccel_prof_region_print");
	}

	/** The C struct, borrowed. Never throws. */
	vaccel_prof_region *get() noexcept
	{
		return &r_;
	}

	/** True if profiling is enabled (bootstraps the runtime if needed). */
	static bool enabled() noexcept
	{
		return vaccel_prof_enabled();
	}

	/** Enable or disable profiling process-wide. */
	static void enable(bool on) noexcept
	{
		vaccel_prof_enable(on);
	}

private:
	vaccel_prof_region r_{};
};

} // namespace vaccel

#undef VACCEL_HPP_COLD_
#undef VACCEL_HPP_UNLIKELY_
