# Compiles every public header on its own (seastar's CheckHeaders): a header that forgets an
# include fails here, not in whoever includes it first.
function(tickpath_check_headers)
  file(GLOB_RECURSE headers RELATIVE "${PROJECT_SOURCE_DIR}/include" CONFIGURE_DEPENDS
       "${PROJECT_SOURCE_DIR}/include/tickpath/*.hpp")
  set(sources "")
  foreach(header IN LISTS headers)
    string(MAKE_C_IDENTIFIER "${header}" stem)
    set(src "${CMAKE_CURRENT_BINARY_DIR}/check_headers/${stem}.cpp")
    if(NOT EXISTS "${src}")
      file(WRITE "${src}" "#include \"${header}\"\n#include \"${header}\"\n")
    endif()
    list(APPEND sources "${src}")
  endforeach()
  if(sources)
    add_library(tickpath_check_headers OBJECT ${sources})
    target_link_libraries(tickpath_check_headers PRIVATE tickpath_options Boost::headers OpenSSL::SSL
                          simdjson::simdjson fmt::fmt tomlplusplus::tomlplusplus)
    target_include_directories(tickpath_check_headers PRIVATE "${PROJECT_SOURCE_DIR}/include")
  endif()
endfunction()
