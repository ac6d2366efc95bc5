# Targets that need CUDA, added only where cmake/optional_gpu.cmake found it. The probe's own
# CMakeLists also builds standalone on GPU machines without SimGrid and the other packages.
if(CLUSTERSIM_HAVE_CUDA)
  add_subdirectory(${CMAKE_SOURCE_DIR}/kernels/cuda ${CMAKE_BINARY_DIR}/kernels_cuda)
  add_subdirectory(${CMAKE_SOURCE_DIR}/calibrate/gpu_probe ${CMAKE_BINARY_DIR}/gpu_probe)
  # `clustersim calibrate` looks for the probe beside itself.
  set_target_properties(clustersim_gpu_probe PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endif()
