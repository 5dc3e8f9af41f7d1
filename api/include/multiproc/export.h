/**
 * @file multiproc/export.h
 * @brief Symbol visibility for the shared library (internal to the headers).
 */
#ifndef MULTIPROC_EXPORT_H
#define MULTIPROC_EXPORT_H

/* Windows: MP_SHARED_LIBRARY is defined by the build for the DLL's own
 * objects (with MP_BUILDING_LIBRARY: dllexport) and by the CMake target
 * multiproc::multiproc for whoever links the DLL (dllimport). The static
 * library and its users define neither. */
/** @def MP_API
 *  Marks a function of the public API: exported from the shared library. */
#if defined(_WIN32) && defined(MP_SHARED_LIBRARY)
#if defined(MP_BUILDING_LIBRARY)
#define MP_API __declspec(dllexport)
#else
#define MP_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define MP_API __attribute__((visibility("default")))
#else
#define MP_API
#endif

/** @def MP_PRINTF
 *  Lets the compiler check a printf-style format: argument `fmt` is the
 *  format, its values start at argument `args`. */
#if defined(__MINGW32__)
/* mingw-w64's GCC reads format(printf) as msvcrt's formats (no %zu, %lld);
 * C99 builds format with mingw-w64's own C99 stdio, so check against it. */
#define MP_PRINTF(fmt, args) __attribute__((format(gnu_printf, fmt, args)))
#elif defined(__GNUC__)
#define MP_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define MP_PRINTF(fmt, args)
#endif

#endif /* MULTIPROC_EXPORT_H */
