/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/error.h
 * Return codes. Every function of the API returns VACCEL_OK (0) or one of
 * these; they are the platform's errno values, so strerror() describes them.
 */
#pragma once

#include <errno.h>

enum {
	VACCEL_OK = 0, /* success */
	VACCEL_EINVAL = EINVAL, /* invalid argument */
	VACCEL_ENOMEM = ENOMEM, /* out of memory */
	VACCEL_ENOTSUP = ENOTSUP, /* no plugin implements the operation */
	VACCEL_EINPROGRESS = EINPROGRESS, /* operation in progress */
	VACCEL_EBUSY = EBUSY, /* object still in use */
	VACCEL_EEXIST = EEXIST, /* already exists / already registered */
	VACCEL_ENOENT = ENOENT, /* no such object or file */
	VACCEL_ELIBBAD = ELIBBAD, /* plugin or library is unusable */
	VACCEL_ENODEV = ENODEV, /* no device for this plugin */
	VACCEL_EIO = EIO, /* I/O error */
	VACCEL_ESESS = ECONNRESET, /* session or connection lost */
	VACCEL_EBACKEND = EPROTO, /* backend or protocol error */
	VACCEL_ENOEXEC = ENOEXEC, /* cannot execute */
	VACCEL_ENAMETOOLONG = ENAMETOOLONG, /* name or output too long */
	VACCEL_EUSERS = EUSERS, /* too many users */
	VACCEL_EPERM = EPERM, /* operation not permitted */
	VACCEL_ELOOP = ELOOP, /* too many symbolic links */
	VACCEL_EMLINK = EMLINK, /* too many links */
	VACCEL_ENOSPC = ENOSPC, /* no space left */
	VACCEL_ENOTDIR = ENOTDIR, /* not a directory */
	VACCEL_EROFS = EROFS, /* read-only file system */
	VACCEL_EACCES = EACCES, /* permission denied */
	VACCEL_EBADF = EBADF, /* bad file descriptor */
	VACCEL_EREMOTEIO = EREMOTEIO, /* remote I/O error */
	VACCEL_EFAULT = EFAULT, /* bad address */
	VACCEL_ERANGE = ERANGE, /* out of range / no more arguments */
	VACCEL_EAGAIN = EAGAIN, /* try again */
	VACCEL_ENOSYS = ENOSYS, /* function not implemented */
	VACCEL_ETIMEDOUT = ETIMEDOUT, /* no answer within the timeout */
};
