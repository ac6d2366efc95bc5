# Targets that need CUDA, added only where cmake/optional_gpu.cmake found it. The probe's and the
# GPU rank program's own CMakeLists also build standalone on GPU machines without SimGrid and
# the other packages.
if(CLUSTERSIM_HAVE_CUDA)
  add_subdirectory(${CMAKE_SOURCE_DIR}/kernels/cuda ${CMAKE_BINARY_DIR}/kernels_cuda)
  add_subdirectory(${CMAKE_SOURCE_DIR}/programs/gpu_probe ${CMAKE_BINARY_DIR}/gpu_probe)
  # `clustersim calibrate` looks for the probe beside itself.
  set_target_properties(clustersim_gpu_probe PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
  if(CLUSTERSIM_HAVE_NCCL)
    add_subdirectory(${CMAKE_SOURCE_DIR}/programs/gpu_rank ${CMAKE_BINARY_DIR}/live_gpu_rank)
    # `clustersim live` looks for it beside itself.
    set_target_properties(clustersim_live_gpu PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
  endif()
endif()
