# Keeps the per-folder CMakeLists to a few lines.
#
#   tickpath_add_component(core SOURCES a.cpp b.cpp DEPS tickpath::queue PUBLIC_LIBS fmt::fmt)
#     -> library tickpath_core, alias tickpath::core; INTERFACE when there are no sources.
#   tickpath_add_test(core_decimal SOURCES decimal_test.cpp DEPS tickpath::core LABELS concurrency)
#     -> Catch2 executable, each TEST_CASE registered with ctest.
#   tickpath_add_bench(queue_spsc SOURCES spsc_bench.cpp DEPS tickpath::queue)
#     -> Google Benchmark executable, plus a ctest smoke run (label bench-smoke).

function(tickpath_add_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_LIBS" ${ARGN})
  set(target tickpath_${name})
  if(ARG_SOURCES)
    add_library(${target} STATIC ${ARG_SOURCES})
    target_include_directories(${target} PUBLIC "${PROJECT_SOURCE_DIR}/include"
                                         PRIVATE "${PROJECT_SOURCE_DIR}/src")
    target_link_libraries(${target} PUBLIC tickpath_options ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_LIBS})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE "${PROJECT_SOURCE_DIR}/include")
    target_link_libraries(${target} INTERFACE tickpath_options ${ARG_DEPS})
  endif()
  add_library(tickpath::${name} ALIAS ${target})
endfunction()

function(tickpath_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  set(target test_${name})
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE tickpath_test_main tickpath_options ${ARG_DEPS})
  target_include_directories(${target} PRIVATE "${PROJECT_SOURCE_DIR}/tests")
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  # The directory of the captured venue samples; tests skip cleanly when it is absent.
  target_compile_definitions(${target} PRIVATE
    TICKPATH_SAMPLES_DIR="${PROJECT_SOURCE_DIR}/../shared/kraken-samples"
    TICKPATH_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  # One label per test: Catch's discovery script flattens a list-valued property. Select a
  # component's tests with -R "<name>:", the threaded ones with -L concurrency.
  if(ARG_LABELS)
    list(LENGTH ARG_LABELS n_labels)
    if(n_labels GREATER 1)
      message(FATAL_ERROR "tickpath_add_test(${name}): one label only")
    endif()
  else()
    set(ARG_LABELS unit)
  endif()
  catch_discover_tests(${target}
    TEST_PREFIX "${name}: "
    PROPERTIES LABELS ${ARG_LABELS} TIMEOUT ${ARG_TIMEOUT} SKIP_REGULAR_EXPRESSION "TICKPATH-SKIPPED:")
endfunction()

function(tickpath_add_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  set(target bench_${name})
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE tickpath_options benchmark::benchmark ${ARG_DEPS})
  target_compile_definitions(${target} PRIVATE
    TICKPATH_SAMPLES_DIR="${PROJECT_SOURCE_DIR}/../shared/kraken-samples")
  if(TICKPATH_BUILD_TESTS)
    # Proves the benchmark builds and runs; real figures come from the bench preset.
    add_test(NAME "bench-smoke: ${name}" COMMAND ${target} --benchmark_min_time=0.001)
    set_tests_properties("bench-smoke: ${name}" PROPERTIES LABELS "bench-smoke" TIMEOUT 600)
  endif()
endfunction()
