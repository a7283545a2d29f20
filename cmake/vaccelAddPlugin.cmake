# SPDX-License-Identifier: Apache-2.0
# vaccel_add_plugin(<name> <sources>...)
#
# One plugin's sources built both ways a program can use them:
#   vaccel-<name>                  libvaccel-<name>.so, installed in the
#                                  library directory; VACCEL_PLUGINS=<name>
#                                  finds it there when libvaccel is there too.
#   vaccel-plugin-<name>-builtin   an object library, linked into a program
#                                  (with vaccel::static for a static one) that
#                                  then names the plugin in VACCEL_PLUGINS.
#
# vAccel's own plugins are built with it, and the installed package provides
# it (find_package(vaccel)) for plugins built outside this tree.
include_guard(GLOBAL)
include(GNUInstallDirs)

function(vaccel_add_plugin name)
  add_library(vaccel-${name} SHARED ${ARGN})
  target_link_libraries(vaccel-${name} PRIVATE vaccel::vaccel)
  # The entry point is all the runtime looks up; nothing else of the plugin
  # should clash with the program's or another plugin's symbols.
  set_target_properties(vaccel-${name} PROPERTIES
    C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden)
  # An undefined symbol would only show when the plugin is loaded.
  target_link_options(vaccel-${name} PRIVATE -Wl,--no-undefined)
  install(TARGETS vaccel-${name} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})

  add_library(vaccel-plugin-${name}-builtin OBJECT ${ARGN})
  target_compile_definitions(vaccel-plugin-${name}-builtin PRIVATE VACCEL_PLUGIN_BUILTIN)
  target_link_libraries(vaccel-plugin-${name}-builtin PUBLIC vaccel::static)
endfunction()
