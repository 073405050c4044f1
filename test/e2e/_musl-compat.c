/*
 * The few glibc symbols that Debian's libstdc++.so.6 and libgcc_s.so.1 need and musl lacks,
 * so the linux-x64-musl release binary can run on this Debian machine (Alpine gets those two
 * libraries from its own libstdc++ and libgcc packages; Debian has no musl build of them).
 * Built by test/e2e/release.test.ts with musl-gcc and preloaded; what Alpine's gcompat does.
 */
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>
#include <time.h>

char __libc_single_threaded = 0;

/* Thread-local destructors are not run at thread exit: fine for --version and --help. */
int __cxa_thread_atexit_impl(void (*dtor)(void *), void *obj, void *dso) {
  (void)dtor; (void)obj; (void)dso;
  return 0;
}

size_t __strftime_l(char *s, size_t n, const char *f, const struct tm *t, locale_t l) {
  return strftime_l(s, n, f, t, l);
}

uint32_t arc4random(void) {
  uint32_t v = 0;
  getrandom(&v, sizeof v, 0);
  return v;
}

/* -1: the unwinder falls back to dl_iterate_phdr, which musl has. */
int _dl_find_object(void *pc, void *result) {
  (void)pc; (void)result;
  return -1;
}

/* No CPU feature detection: __builtin_cpu_supports answers "no". */
struct { unsigned int vendor, type, subtype, features[1]; } __cpu_model;
int __cpu_indicator_init(void) { return 0; }
