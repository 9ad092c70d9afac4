# tickpath_options: the one INTERFACE target that carries warnings, sanitizers and code-generation
# flags. Every tickpath target links it; nothing else sets compile flags.
add_library(tickpath_options INTERFACE)
add_library(tickpath::options ALIAS tickpath_options)

target_compile_features(tickpath_options INTERFACE cxx_std_20)
target_compile_options(tickpath_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-align -Wdouble-promotion
  -Wformat=2 -Wimplicit-fallthrough -Wmisleading-indentation
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wduplicated-branches -Wlogical-op>
  -fno-omit-frame-pointer)

if(TICKPATH_WERROR)
  target_compile_options(tickpath_options INTERFACE -Werror)
endif()

if(TICKPATH_SANITIZE)
  string(REPLACE ";" "," _tickpath_san "${TICKPATH_SANITIZE}")
  target_compile_options(tickpath_options INTERFACE -fsanitize=${_tickpath_san} -fno-sanitize-recover=all)
  target_link_options(tickpath_options INTERFACE -fsanitize=${_tickpath_san})
  if("thread" IN_LIST TICKPATH_SANITIZE)
    target_compile_definitions(tickpath_options INTERFACE TICKPATH_TSAN=1)
    # GCC 12 warns (-Wtsan) wherever std::atomic_thread_fence is inlined, which Asio's executors do:
    # ThreadSanitizer does not model standalone fences. tickpath's own code synchronises through
    # acquire/release operations on the atomics themselves and uses no standalone fence.
    target_compile_options(tickpath_options INTERFACE -Wno-tsan)
  endif()
endif()

# Assertions stay on in Debug and in every sanitizer build (STYLE B1.6c).
if(TICKPATH_SANITIZE)
  target_compile_definitions(tickpath_options INTERFACE TICKPATH_ENABLE_ASSERTS=1)
endif()
