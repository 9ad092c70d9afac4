# Git commit of the source tree, baked into the binaries and the journal header.
find_package(Git QUIET)
set(TICKPATH_GIT_COMMIT "unknown")
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
                  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
                  OUTPUT_VARIABLE _commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _commit)
    set(TICKPATH_GIT_COMMIT "${_commit}")
  endif()
endif()

# tickpath::version: the generated header tickpath/version.hpp (kVersion, kGitCommit).
configure_file("${PROJECT_SOURCE_DIR}/cmake/templates/version.hpp.in"
               "${PROJECT_BINARY_DIR}/generated/tickpath/version.hpp" @ONLY)
add_library(tickpath_version INTERFACE)
target_include_directories(tickpath_version INTERFACE "${PROJECT_BINARY_DIR}/generated")
add_library(tickpath::version ALIAS tickpath_version)
