# CUDA and NCCL are optional. Detect them so that GPU microkernels and GPU live runs can be
# built where they exist; everything else builds and tests without them.
# A user's CUDA elsewhere is honoured through CUDAToolkit_ROOT / CMAKE_CUDA_COMPILER.
include(CheckLanguage)
check_language(CUDA)
set(CLUSTERSIM_HAVE_CUDA 0)
set(CLUSTERSIM_HAVE_NCCL 0)
if(CMAKE_CUDA_COMPILER)
  set(CMAKE_CUDA_ARCHITECTURES 80 90)
  enable_language(CUDA)
  find_package(CUDAToolkit)
  if(CUDAToolkit_FOUND)
    set(CLUSTERSIM_HAVE_CUDA 1)
    # Debian-style and NVIDIA-style installs keep libnccl in lib/ rather than lib64/.
    find_library(NCCL_LIB nccl HINTS ${CUDAToolkit_LIBRARY_DIR} ${CUDAToolkit_LIBRARY_ROOT}/lib /usr/local/cuda/lib)
    find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
    if(NCCL_LIB AND NCCL_INCLUDE_DIR)
      set(CLUSTERSIM_HAVE_NCCL 1)
    endif()
  endif()
endif()
message(STATUS "clustersim: CUDA ${CLUSTERSIM_HAVE_CUDA}, NCCL ${CLUSTERSIM_HAVE_NCCL} (both optional)")
