# The language level, build type and warnings every clustersim build uses: the top-level build
# and the standalone GPU builds (programs/gpu_probe, programs/gpu_rank) include this one file.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release)
endif()
add_compile_options(-Wall -Wextra -Wno-missing-field-initializers)  # designated initializers leave members at their defaults on purpose
