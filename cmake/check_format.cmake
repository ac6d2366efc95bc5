# Fails when a C++ or CUDA source of the repository differs from what clang-format (with the
# repository's .clang-format) makes of it. Run by CTest: cmake -DCLANG_FORMAT=... -DROOT=... -P this.
set(folders bench calibrate cli common fuzz kernels live model pipelines programs reports scenarios schemas sim tests
            topologies)
set(sources "")
foreach(folder ${folders})
  file(GLOB_RECURSE found RELATIVE ${ROOT} ${ROOT}/${folder}/*.cpp ${ROOT}/${folder}/*.hpp ${ROOT}/${folder}/*.cu
       ${ROOT}/${folder}/*.cuh)
  list(APPEND sources ${found})
endforeach()
list(SORT sources)
set(unformatted "")
foreach(source ${sources})
  execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${source} WORKING_DIRECTORY ${ROOT}
                  RESULT_VARIABLE status OUTPUT_QUIET ERROR_QUIET)
  if(NOT status EQUAL 0)
    list(APPEND unformatted ${source})
  endif()
endforeach()
list(LENGTH sources checked)
if(unformatted)
  list(JOIN unformatted "\n  " listing)
  message(FATAL_ERROR "not clang-formatted (clang-format -i on them fixes it):\n  ${listing}")
endif()
message(STATUS "${checked} sources clang-formatted")
