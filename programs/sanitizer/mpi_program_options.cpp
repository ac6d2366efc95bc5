// SPDX-License-Identifier: Apache-2.0
// Linked into the MPI programs (rank and probe) of a sanitized build only. Open MPI allocates
// memory it never frees in components it loads with dlopen and unloads at MPI_Finalize, so
// LeakSanitizer reports them from frames it can no longer name, and no suppression by library
// matches them. Leak reports are therefore off in these programs; AddressSanitizer's memory
// errors and UndefinedBehaviorSanitizer stay on, as everywhere else.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
