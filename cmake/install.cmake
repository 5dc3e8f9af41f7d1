# Installation: the shared and static libraries, the public headers, a CMake
# package (find_package(multiproc CONFIG) -> multiproc::multiproc and
# multiproc::multiproc_static) and a pkg-config file (multiproc.pc).
# Included by the top-level CMakeLists.txt after both library targets exist.
include(CMakePackageConfigHelpers)

set(MP_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/multiproc"
    CACHE STRING "Where the CMake package files go, relative to the prefix")

# The installed package's names, for projects that add this tree with
# add_subdirectory() too (multiproc::multiproc is made beside the target).
if(NOT TARGET multiproc::multiproc_static)
  add_library(multiproc::multiproc_static ALIAS multiproc_static)
endif()

# The static library's dependencies reach it as $<BUILD_INTERFACE:mp_deps>,
# which the export drops (mp_deps wraps targets of the build machine's
# pkg-config lookups). The installed package recreates them as
# multiproc::deps in multiprocConfig.cmake, so name that target here.
target_link_libraries(multiproc_static INTERFACE $<INSTALL_INTERFACE:multiproc::deps>)

install(TARGETS multiproc multiproc_static
  EXPORT multiprocTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})

# Only the public headers: api/include holds nothing else, but be explicit so
# that a stray file there does not become part of the installed API.
install(FILES ${PROJECT_SOURCE_DIR}/api/include/multiproc.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/api/include/multiproc
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

install(EXPORT multiprocTargets
  NAMESPACE multiproc::
  FILE multiprocTargets.cmake
  DESTINATION ${MP_INSTALL_CMAKEDIR})

# The pkg-config modules the library depends on, read off mp_deps so that
# the list lives in cmake/dependencies.cmake alone. FindPkgConfig records the
# module each PkgConfig::<P> target came from in <P>_MODULE_NAME.
set(MP_PKG_MODULES "")
get_target_property(_mp_dep_libs mp_deps INTERFACE_LINK_LIBRARIES)
foreach(_mp_lib IN LISTS _mp_dep_libs)
  if(_mp_lib MATCHES "^PkgConfig::(.+)$")
    set(_mp_module "${${CMAKE_MATCH_1}_MODULE_NAME}")
    if(NOT _mp_module)
      message(FATAL_ERROR "cmake/install.cmake: no pkg-config module name for ${_mp_lib}; "
                          "look it up with one module per pkg_check_modules() call")
    endif()
    list(APPEND MP_PKG_MODULES "${_mp_module}")
  endif()
endforeach()
unset(_mp_dep_libs)
unset(_mp_lib)
unset(_mp_module)
# For multiproc.pc's Requires.private: a space-separated list.
string(REPLACE ";" " " MP_PC_REQUIRES "${MP_PKG_MODULES}")
# Its Libs.private: the system libraries a static link needs beside those
# modules. Windows adds bcrypt (BCryptGenRandom, win32/clock.c) and ws2_32
# (Winsock, win32/listener.c and conn.c), which mp_deps names directly;
# multiprocConfig.cmake.in adds them for CMake users.
set(MP_PC_LIBS_PRIVATE "-pthread -lm")
if(WIN32)
  string(APPEND MP_PC_LIBS_PRIVATE " -lbcrypt -lws2_32")
endif()

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/multiprocConfig.cmake.in
  ${PROJECT_BINARY_DIR}/multiprocConfig.cmake
  INSTALL_DESTINATION ${MP_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/multiprocConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/multiprocConfig.cmake
  ${PROJECT_BINARY_DIR}/multiprocConfigVersion.cmake
  DESTINATION ${MP_INSTALL_CMAKEDIR})

# pkg-config: the prefix is written at install time, not configure time, so
# that `cmake --install build --prefix /elsewhere` yields a correct file.
# Relative install dirs are resolved against that prefix; absolute ones stay.
# mp_install_pkgconfig(<template> <name>.pc): configure and install one
# (multiproc.pc here, multiproc-mpi.pc in mpi/).
function(mp_install_pkgconfig template pcname)
  install(CODE "
    set(MP_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
    set(MP_PC_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
    set(MP_PC_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
    foreach(dir MP_PC_LIBDIR MP_PC_INCLUDEDIR)
      if(NOT IS_ABSOLUTE \"\${\${dir}}\")
        set(\${dir} \"\\\${prefix}/\${\${dir}}\")
      endif()
    endforeach()
    set(PROJECT_VERSION \"${PROJECT_VERSION}\")
    set(MP_PC_REQUIRES \"${MP_PC_REQUIRES}\")
    set(MP_PC_LIBS_PRIVATE \"${MP_PC_LIBS_PRIVATE}\")
    configure_file(\"${template}\" \"${PROJECT_BINARY_DIR}/${pcname}\" @ONLY)
  ")
  install(FILES ${PROJECT_BINARY_DIR}/${pcname} DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()
mp_install_pkgconfig(${CMAKE_CURRENT_LIST_DIR}/multiproc.pc.in multiproc.pc)
