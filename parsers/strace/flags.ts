/**
 * Symbolic constants strace prints, mapped to their x86-64 values
 * (linux include/uapi/asm-generic/fcntl.h as used by x86, asm-generic/errno*.h,
 * include/linux/errno.h for the kernel-internal restart codes).
 */
import { findIn } from './scan';
import { parseNumber, num } from './args';

export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_DIRECT = 0o40000;
export const O_CLOEXEC = 0o2000000;

const OPEN_FLAGS = new Map<string, number>([
  ['O_RDONLY', 0],
  ['O_WRONLY', O_WRONLY],
  ['O_RDWR', O_RDWR],
  ['O_ACCMODE', 0o3],
  ['O_CREAT', O_CREAT],
  ['O_EXCL', 0o200],
  ['O_NOCTTY', 0o400],
  ['O_TRUNC', O_TRUNC],
  ['O_APPEND', O_APPEND],
  ['O_NONBLOCK', 0o4000],
  ['O_NDELAY', 0o4000],
  ['O_DSYNC', 0o10000],
  ['O_ASYNC', 0o20000],
  ['FASYNC', 0o20000],
  ['O_DIRECT', O_DIRECT],
  ['O_LARGEFILE', 0o100000],
  ['O_DIRECTORY', 0o200000],
  ['O_NOFOLLOW', 0o400000],
  ['O_NOATIME', 0o1000000],
  ['O_CLOEXEC', O_CLOEXEC],
  ['O_SYNC', 0o4010000],
  ['O_RSYNC', 0o4010000],
  ['O_PATH', 0o10000000],
  ['O_TMPFILE', 0o20200000],
]);

/**
 * Parses an open-flags expression such as `O_RDONLY|O_EXCL|O_DIRECT`, the raw
 * forms `0x4000` / `040000` (-X raw) and `O_DIRECT /* 0x4000 *\/` (-X verbose).
 * Unknown names contribute nothing.
 */
export function parseOpenFlags(s: string, from: number, to: number): number {
  let flags = 0;
  let i = from;
  while (i < to) {
    let j = findIn(s, '|', i, to);
    if (j < 0) j = to;
    let a = i;
    let b = j;
    while (a < b && s.charCodeAt(a) === 32) a++;
    const comment = findIn(s, '/*', a, b);
    if (comment >= 0) b = comment;
    while (b > a && s.charCodeAt(b - 1) === 32) b--;
    const c = s.charCodeAt(a);
    if (c >= 48 && c <= 57) {
      let v: number;
      if (c === 48 && b - a > 1 && (s.charCodeAt(a + 1) | 32) !== 120) v = parseInt(s.slice(a + 1, b), 8);
      else {
        v = parseNumber(s, a, b);
        if (num.end !== b) v = NaN;
      }
      if (Number.isFinite(v)) flags |= v;
    } else {
      flags |= OPEN_FLAGS.get(s.slice(a, b)) ?? 0;
    }
    i = j + 1;
  }
  return flags >>> 0;
}

/** errno names → numbers (x86-64), including the kernel-internal restart codes strace shows. */
const ERRNO = new Map<string, number>();
[
  'EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD',
  'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY', 'EEXIST', 'EXDEV', 'ENODEV', 'ENOTDIR',
  'EISDIR', 'EINVAL', 'ENFILE', 'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC', 'ESPIPE', 'EROFS',
  'EMLINK', 'EPIPE', 'EDOM', 'ERANGE', 'EDEADLK', 'ENAMETOOLONG', 'ENOLCK', 'ENOSYS', 'ENOTEMPTY', 'ELOOP',
].forEach((n, i) => ERRNO.set(n, i + 1));
for (const [n, v] of [
  ['EWOULDBLOCK', 11], ['ENOMSG', 42], ['EIDRM', 43], ['ENOSTR', 60], ['ENODATA', 61], ['ETIME', 62],
  ['ENOLINK', 67], ['EPROTO', 71], ['EBADMSG', 74], ['EOVERFLOW', 75], ['EILSEQ', 84], ['EUSERS', 87],
  ['ENOTSOCK', 88], ['EDESTADDRREQ', 89], ['EMSGSIZE', 90], ['EPROTOTYPE', 91], ['ENOPROTOOPT', 92],
  ['EPROTONOSUPPORT', 93], ['EOPNOTSUPP', 95], ['ENOTSUP', 95], ['EAFNOSUPPORT', 97], ['EADDRINUSE', 98],
  ['EADDRNOTAVAIL', 99], ['ENETDOWN', 100], ['ENETUNREACH', 101], ['ECONNABORTED', 103], ['ECONNRESET', 104],
  ['ENOBUFS', 105], ['EISCONN', 106], ['ENOTCONN', 107], ['ETIMEDOUT', 110], ['ECONNREFUSED', 111],
  ['EHOSTUNREACH', 113], ['EALREADY', 114], ['EINPROGRESS', 115], ['ESTALE', 116], ['EREMOTEIO', 121],
  ['EDQUOT', 122], ['ENOMEDIUM', 123], ['EMEDIUMTYPE', 124], ['ECANCELED', 125], ['ENOKEY', 126],
  ['EOWNERDEAD', 130], ['ENOTRECOVERABLE', 131], ['ERFKILL', 132], ['EHWPOISON', 133],
  ['ERESTARTSYS', 512], ['ERESTARTNOINTR', 513], ['ERESTARTNOHAND', 514], ['ENOIOCTLCMD', 515],
  ['ERESTART_RESTARTBLOCK', 516], ['EBADHANDLE', 521], ['ENOTSUPP', 524], ['EIOCBQUEUED', 529],
] as const) {
  ERRNO.set(n, v);
}

/** errno number of a name (0 when unknown). */
export function errnoOf(name: string): number {
  return ERRNO.get(name) ?? 0;
}
